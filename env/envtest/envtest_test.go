package envtest_test

import (
	"testing"

	"github.com/vfe-go/vfe/env/classic"
	"github.com/vfe-go/vfe/env/envtest"
)

func TestCheck_Classic(t *testing.T) {
	for _, id := range classic.IDs() {
		t.Run(id, func(t *testing.T) {
			e, err := classic.Make(id, classic.WithWrappers("stats"))
			if err != nil {
				t.Fatal(err)
			}
			envtest.CheckWith(t, e, envtest.Options{Steps: 1000})
		})
	}
}
