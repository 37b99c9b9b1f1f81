package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestRLCmd_train(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ppo")
	code, so, se := runCLI(t, "rl", "train", "--algo", "ppo", "--env", "CartPole-v1", "--steps", "512", "--seed", "3",
		"--out", out, "--no-progress", "--eval-episodes", "2", "--set", "n_steps=32", "--set", "batch_size=64")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, se)
	}
	if !strings.Contains(so, "eval return") {
		t.Errorf("stdout %q lacks the summary", so)
	}
	for _, f := range []string{"config.json", "metrics.csv", "metrics.jsonl", "summary.json", "model.safetensors", "curves.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run directory lacks %s", f)
		}
	}
	t.Run("eval", func(t *testing.T) {
		code, so, se := runCLI(t, "rl", "eval", "--run", out, "--episodes", "3")
		if code != exitOK || !strings.Contains(so, "over 3 deterministic episodes") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, so, se)
		}
	})
	t.Run("render", func(t *testing.T) {
		gif := filepath.Join(t.TempDir(), "ep.gif")
		code, so, se := runCLI(t, "rl", "render", "--run", out, "--out", gif, "--every", "5")
		if code != exitOK || !strings.Contains(so, "frames") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, so, se)
		}
		b, err := os.ReadFile(gif)
		if err != nil || !bytes.HasPrefix(b, []byte("GIF89a")) {
			t.Errorf("%s is not a GIF (%v)", gif, err)
		}
	})
	t.Run("env render with the policy", func(t *testing.T) {
		gif := filepath.Join(t.TempDir(), "ep.gif")
		code, _, se := runCLI(t, "env", "render", "--env", "CartPole-v1", "--policy", out, "--out", gif, "--steps", "20")
		if code != exitOK {
			t.Errorf("exit %d, stderr %q", code, se)
		}
	})
}

func TestRLCmd_usage(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad algo", []string{"--algo", "nope", "--env", "CartPole-v1"}, "unknown algorithm \"nope\""},
		{"bad env", []string{"--algo", "ppo", "--env", "Nope-v9"}, "unknown env \"Nope-v9\""},
		{"bad set key", []string{"--algo", "ppo", "--env", "CartPole-v1", "--set", "bogus=1"}, "unknown --set key \"bogus\""},
		{"bad set value", []string{"--algo", "ppo", "--env", "CartPole-v1", "--set", "n_steps=x"}, "want a value of type integer"},
		{"invalid config", []string{"--algo", "ppo", "--env", "CartPole-v1", "--set", "clip_range=2"}, "clip_range"},
		{"missing algo", []string{"--env", "CartPole-v1"}, "--algo is required"},
		{"bad wrapper", []string{"--algo", "ppo", "--env", "CartPole-v1", "--wrap", "nope"}, "unknown wrapper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			args := append([]string{"rl", "train", "--out", out, "--no-progress"}, tc.args...)
			code, _, se := runCLI(t, args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", code, exitUsage, se)
			}
			if !strings.Contains(se, tc.want) || strings.Count(strings.TrimSpace(se), "\n") != 0 {
				t.Errorf("stderr %q, want one line containing %q", se, tc.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a usage error created the run directory")
			}
		})
	}
	t.Run("eval without a run", func(t *testing.T) {
		if code, _, _ := runCLI(t, "rl", "eval"); code != exitUsage {
			t.Errorf("exit %d, want %d", code, exitUsage)
		}
		if code, _, _ := runCLI(t, "rl", "eval", "--run", dir); code != exitError {
			t.Errorf("not a run directory: exit %d, want %d", code, exitError)
		}
	})
}
