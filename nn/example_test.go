package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/vfe-go/vfe/nn"
	"github.com/vfe-go/vfe/tensor"
)

// A 2-3-2 tanh MLP: its PyTorch-style parameter names and a cross-entropy
// gradient step by hand.
func ExampleNewMLP() {
	rng := rand.New(rand.NewPCG(1, 2))
	net := nn.NewMLP(rng, []int{2, 3, 2}, tensor.Tanh, tensor.Identity, nn.InitXavierUniform)
	for _, np := range nn.NamedParams("", net) {
		fmt.Println(np.Name, np.Param.Val.Rows, np.Param.Val.Cols)
	}
	// Output:
	// 0.weight 3 2
	// 0.bias 1 3
	// 2.weight 2 3
	// 2.bias 1 2
}

// Softmax cross-entropy of equal logits is log K for any label, and its
// gradient is (softmax − onehot)/B.
func ExampleSoftmaxCrossEntropy() {
	logits := tensor.New(1, 4) // all zero: softmax = 1/4 each
	grad := tensor.New(1, 4)
	loss := nn.SoftmaxCrossEntropy(grad, logits, []int{2}, nn.Mean)
	fmt.Printf("loss %.4f (log 4)\n", loss)
	fmt.Println("grad", grad.Data)
	// Output:
	// loss 1.3863 (log 4)
	// grad [0.25 0.25 -0.75 0.25]
}

// MSE is ½‖pred − target‖² summed over features and averaged over rows.
func ExampleMSE() {
	pred := tensor.FromSlice(2, 2, []float32{1, 2, 3, 4})
	target := tensor.FromSlice(2, 2, []float32{0, 0, 1, 1})
	grad := tensor.New(2, 2)
	fmt.Println(nn.MSE(grad, pred, target, nn.Mean), grad.Data)
	// Output:
	// 4.5 [0.5 1 1 1.5]
}
