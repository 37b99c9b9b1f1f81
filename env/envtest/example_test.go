package envtest_test

import (
	"testing"

	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/envtest"
)

// Every env in vfe passes the suite; call it from a test of the env.
func ExampleCheck() {
	_ = func(t *testing.T) {
		e, err := classic.Make("CartPole-v1")
		if err != nil {
			t.Fatal(err)
		}
		envtest.Check(t, e)
	}
}
