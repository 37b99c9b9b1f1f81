package experiment

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAblate_EndToEndAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("trains agents")
	}
	out := t.TempDir()
	cfg := AblateConfig{Env: "CartPole-v1", Steps: 200, Seeds: 2, EvalEpisodes: 1,
		Base:     []string{"world.T=2", "learning_starts=50", "batch_size=16", "log_every=100"},
		Variants: []Variant{{Name: "base"}, {Name: "amortised only", Sets: []string{"amortised=true", "act_T=0"}}}}
	rows, err := Ablate(context.Background(), cfg, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || len(rows[0].Returns) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	report, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(report), "amortised only") {
		t.Fatalf("report: %v\n%s", err, report)
	}
	// A second call finds every run finished and reproduces the table.
	again, err := Ablate(context.Background(), cfg, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		for j := range rows[i].Returns {
			if rows[i].Returns[j] != again[i].Returns[j] {
				t.Fatalf("resumed study differs at %d/%d", i, j)
			}
		}
	}
}

func TestAblate_RejectsBadVariant(t *testing.T) {
	cfg := AblateConfig{Env: "CartPole-v1", Variants: []Variant{{Name: "bad", Sets: []string{"no_such_key=1"}}}}
	if _, err := Ablate(context.Background(), cfg, t.TempDir(), nil); err == nil {
		t.Fatal("an unknown config key was accepted")
	}
}
