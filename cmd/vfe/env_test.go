package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func runVFE(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

type stepLine struct {
	Obs        []float64 `json:"obs"`
	Reward     float64   `json:"reward"`
	Terminated bool      `json:"terminated"`
	Truncated  bool      `json:"truncated"`
	State      []float64 `json:"state"`
}

func parseLines(t *testing.T, s string) []stepLine {
	t.Helper()
	var out []stepLine
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		var st stepLine
		if err := json.Unmarshal([]byte(l), &st); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, st)
	}
	return out
}

func TestEnvList(t *testing.T) {
	code, out, _ := runVFE(t, "env", "list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"CartPole-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1", "Acrobot-v1", "Discrete(2)", "999"} {
		if !strings.Contains(out, want) {
			t.Fatalf("list lacks %q:\n%s", want, out)
		}
	}
}

func TestEnvRollout(t *testing.T) {
	t.Run("state and inline actions", func(t *testing.T) {
		// From rest, pushing right twice: ẋ = 0.02·4400/451 per step, θ̇ = −0.02·600/41
		// per step (hand calculation, see env/classic tests); Euler moves x and θ
		// with the previous velocities.
		code, out, errs := runVFE(t, "env", "rollout", "--env", "CartPole-v1", "--state", "[0,0,0,0]", "--actions", "[1,1]")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		lines := parseLines(t, out)
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2", len(lines))
		}
		want := []float32{0.02 * 0.02 * 4400.0 / 451, 2 * 0.02 * 4400.0 / 451, -0.02 * 0.02 * 600.0 / 41, -2 * 0.02 * 600.0 / 41}
		for i, w := range want {
			if float32(lines[1].Obs[i]) != w {
				t.Fatalf("obs[%d] = %v, want %v", i, lines[1].Obs[i], w)
			}
		}
		if lines[1].Reward != 1 || lines[1].Terminated || lines[1].Truncated {
			t.Fatalf("line %+v", lines[1])
		}
	})
	t.Run("float32 round trip", func(t *testing.T) {
		code, out, _ := runVFE(t, "env", "rollout", "--env", "Acrobot-v1", "--seed", "3", "--actions", "random", "--steps", "5")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		// Every printed number parses back to the same float32 with the
		// shortest representation, so printing again gives the same text.
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			obs := l[strings.Index(l, "[")+1 : strings.Index(l, "]")]
			for _, f := range strings.Split(obs, ",") {
				v, err := strconv.ParseFloat(f, 32)
				if err != nil || strconv.FormatFloat(v, 'g', -1, 32) != f {
					t.Fatalf("%q does not round-trip float32", f)
				}
			}
		}
	})
	t.Run("seeded random is deterministic and ends with the episode", func(t *testing.T) {
		_, a, _ := runVFE(t, "env", "rollout", "--env", "CartPole-v1", "--seed", "7", "--actions", "random")
		_, b, _ := runVFE(t, "env", "rollout", "--env", "CartPole-v1", "--seed", "7", "--actions", "random")
		if a != b || a == "" {
			t.Fatal("same seed gave different rollouts")
		}
		lines := parseLines(t, a)
		last := lines[len(lines)-1]
		if !last.Terminated && !last.Truncated {
			t.Fatal("random rollout stopped before the episode ended")
		}
	})
	t.Run("time limit truncates", func(t *testing.T) {
		code, out, _ := runVFE(t, "env", "rollout", "--env", "Pendulum-v1", "--actions", "random", "--wrap", "timelimit=3")
		lines := parseLines(t, out)
		if code != 0 || len(lines) != 3 || !lines[2].Truncated || lines[2].Terminated {
			t.Fatalf("exit %d, lines %+v", code, lines)
		}
	})
	t.Run("actions file, mask and state output", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "a.json")
		if err := os.WriteFile(p, []byte("[1, 0, 1]"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errs := runVFE(t, "env", "rollout", "--env", "CartPole-v1", "--mask", "1,3", "--actions", p, "--print-state")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		lines := parseLines(t, out)
		if len(lines) != 3 || len(lines[0].Obs) != 2 || len(lines[0].State) != 4 {
			t.Fatalf("lines %+v", lines)
		}
		if float32(lines[2].Obs[1]) != float32(lines[2].State[2]) {
			t.Fatal("masked observation is not [x, θ]")
		}
	})
	t.Run("Box actions", func(t *testing.T) {
		// Pendulum from θ = 1 at rest: the reward is −(1² + 0 + 0.001·u²) with u = 0.5.
		code, out, _ := runVFE(t, "env", "rollout", "--env", "Pendulum-v1", "--state", "[1,0]", "--actions", "[[0.5]]")
		lines := parseLines(t, out)
		if code != 0 || math.Abs(lines[0].Reward-(-1.00025)) > 1e-9 {
			t.Fatalf("exit %d, lines %+v", code, lines)
		}
	})
	t.Run("errors", func(t *testing.T) {
		for name, args := range map[string][]string{
			"bad id":            {"--env", "CartPole-v9", "--actions", "[1]"},
			"no env":            {"--actions", "[1]"},
			"no actions":        {"--env", "CartPole-v1"},
			"state length":      {"--env", "CartPole-v1", "--state", "[0,0]", "--actions", "[1]"},
			"state not json":    {"--env", "CartPole-v1", "--state", "zero", "--actions", "[1]"},
			"state not finite":  {"--env", "CartPole-v1", "--state", "[0,0,1e999,0]", "--actions", "[1]"},
			"discrete range":    {"--env", "CartPole-v1", "--actions", "[0,2]"},
			"discrete fraction": {"--env", "Acrobot-v1", "--actions", "[0.5]"},
			"box length":        {"--env", "Pendulum-v1", "--actions", "[[1,2]]"},
			"not json":          {"--env", "CartPole-v1", "--actions", "[1,"},
			"missing file":      {"--env", "CartPole-v1", "--actions", "/nonexistent/a.json"},
			"bad wrap":          {"--env", "CartPole-v1", "--actions", "[1]", "--wrap", "stack=x"},
			"bad mask":          {"--env", "CartPole-v1", "--actions", "[1]", "--mask", "7"},
		} {
			t.Run(name, func(t *testing.T) {
				code, out, errs := runVFE(t, append([]string{"env", "rollout"}, args...)...)
				if code == 0 || out != "" {
					t.Fatalf("exit %d, stdout %q", code, out)
				}
				if strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.HasPrefix(errs, "vfe:") {
					t.Fatalf("stderr %q, want one line", errs)
				}
			})
		}
	})
}

func TestEnvRender(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "ep.gif")
	code, stdout, errs := runVFE(t, "env", "render", "--env", "CartPole-v1", "--seed", "2", "--policy", "random", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	// Reset frame plus one per step; a random CartPole episode lasts at
	// least 8 steps (the pole needs that long to pass 12°).
	if len(g.Image) < 9 || g.Image[0].Bounds().Dx() != 600 || g.Delay[0] != 2 {
		t.Fatalf("%d frames of %v, delay %d", len(g.Image), g.Image[0].Bounds(), g.Delay[0])
	}
	if !strings.Contains(stdout, "frames") {
		t.Fatalf("stdout %q", stdout)
	}
	t.Run("directory that is not a run", func(t *testing.T) {
		// Trained run directories are covered by the vfe rl tests.
		code, _, errs := runVFE(t, "env", "render", "--env", "Pendulum-v1", "--policy", dir, "--out", filepath.Join(dir, "x.gif"))
		if code == 0 || !strings.Contains(errs, "not a run directory") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Fatalf("exit %d, stderr %q", code, errs)
		}
	})
	t.Run("bad policy", func(t *testing.T) {
		code, _, _ := runVFE(t, "env", "render", "--env", "Pendulum-v1", "--policy", "nonsense", "--out", filepath.Join(dir, "y.gif"))
		if code != exitUsage {
			t.Fatalf("exit %d, want %d", code, exitUsage)
		}
	})
}

func TestEnvBench(t *testing.T) {
	code, out, errs := runVFE(t, "env", "bench", "--env", "Acrobot-v1", "--steps", "2000", "--num-envs", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "single:") || !strings.Contains(out, "vec N=4") || !strings.Contains(out, "steps/s") {
		t.Fatalf("output %q", out)
	}
	if code, _, _ := runVFE(t, "env", "bench", "--env", "Acrobot-v1", "--steps", "0"); code != exitUsage {
		t.Fatalf("--steps 0: exit %d", code)
	}
}
