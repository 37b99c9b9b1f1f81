package classic

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/vfe-go/vfe/env"
)

// referenceCase is one trajectory of testdata/reference.json, produced by
// testdata/reference.py: an independent transcription of the published
// equations in Python (standard library only, glibc libm) following
// Gymnasium's order of operations, float32 observations and NumPy 2 (NEP 50)
// promotion. It shares no code with this package.
type referenceCase struct {
	Env     string    `json:"env"`
	State   []float64 `json:"state"`
	Actions []float64 `json:"actions"`
	Steps   []struct {
		Obs        []float64 `json:"obs"`
		Reward     float64   `json:"reward"`
		Terminated bool      `json:"terminated"`
	} `json:"steps"`
}

func newByName(t *testing.T, name string) env.Env {
	t.Helper()
	switch name {
	case "CartPole":
		return NewCartPole()
	case "MountainCar":
		return NewMountainCar()
	case "MountainCarContinuous":
		return NewMountainCarContinuous()
	case "Pendulum":
		return NewPendulum()
	case "Acrobot":
		return NewAcrobot()
	}
	t.Fatalf("unknown env %q in reference data", name)
	return nil
}

// ulps32 is the distance between two float32 values in units in the last
// place.
func ulps32(a, b float32) int64 {
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0x80000000 != (ib < 0x80000000) {
		return int64(math.MaxInt32) // different signs: only equal if both zero
	}
	d := ia - ib
	if d < 0 {
		d = -d
	}
	return d
}

// TestReference_Trajectories replays whole reference episodes from their
// initial state and checks every observation, reward and termination flag.
// Observations must agree to float32 rounding: at most 1 ulp, and rewards to
// 1e-12 relative, which allows for last-bit differences between glibc's and
// Go's cos/sin (on amd64 both agree exactly on this data). The reference
// itself was checked against a NumPy transcription of Gymnasium's step
// functions, with NumPy scalars, NumPy's cos/sin and NEP 50 promotion, by
// testdata/numpy_check.py: all 705 steps agree (observations exactly).
func TestReference_Trajectories(t *testing.T) {
	data, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []referenceCase
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 8 {
		t.Fatalf("reference data has %d cases, want at least 8", len(cases))
	}
	for ci, c := range cases {
		t.Run(c.Env, func(t *testing.T) {
			e := newByName(t, c.Env)
			if err := e.(env.Stateful).SetState(c.State); err != nil {
				t.Fatal(err)
			}
			act := make([]float32, 1)
			for i, want := range c.Steps {
				act[0] = float32(c.Actions[i])
				st := e.Step(act)
				for k, w := range want.Obs {
					if d := ulps32(st.Obs[k], float32(w)); d > 1 && !(st.Obs[k] == 0 && w == 0) {
						t.Fatalf("case %d step %d obs[%d] = %v, reference %v (%d ulps)", ci, i, k, st.Obs[k], float32(w), d)
					}
				}
				if math.Abs(st.Reward-want.Reward) > 1e-12*math.Max(1, math.Abs(want.Reward)) {
					t.Fatalf("case %d step %d reward = %v, reference %v", ci, i, st.Reward, want.Reward)
				}
				if st.Terminated != want.Terminated || st.Truncated {
					t.Fatalf("case %d step %d terminated/truncated = %v/%v, reference %v/false", ci, i, st.Terminated, st.Truncated, want.Terminated)
				}
			}
		})
	}
}
