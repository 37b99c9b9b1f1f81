// Package run manages run directories: the folder a training command or an
// experiment writes, from which it can be resumed, evaluated and plotted.
//
// A run directory holds
//
//	config.json              the typed config struct, indented JSON (Create)
//	metrics.csv              one row per Logger.Log call, fixed header
//	metrics.jsonl            the same rows as JSON objects, one per line
//	summary.json             final results (Dir.WriteSummary)
//	checkpoint.safetensors   the last good checkpoint (Dir.SaveCheckpoint)
//
// # Conventions
//
// Every file is written atomically (AtomicWrite: a temporary file in the same
// folder, synced, then renamed), so a crash leaves the previous version
// intact; metrics files are appended and flushed after every row, so a crash
// loses at most the row being written.
//
// Metric rows are ordered (key, value) pairs with float64 values (steps and
// epochs are integers stored exactly in float64). The first row fixes the
// CSV header; a later row may leave keys out (an empty CSV cell, an absent
// JSON key) but a new key is an error. NaN and ±Inf are written as "NaN",
// "Inf" and "-Inf" in CSV and as null in JSONL (JSON has no such numbers).
//
// Checkpoints use the safetensors format (github.com/huggingface/safetensors):
// an 8-byte little-endian header length, a JSON header mapping each tensor
// name to its dtype ("F32" or "F64"), shape and data_offsets plus a
// "__metadata__" string map, then the little-endian tensor bytes; the files
// load with Python's safetensors.torch.load_file.
//
// Progress bars write to a terminal only and never touch a random number
// generator, so they cannot change results. MeanCI95 gives the Student-t
// confidence intervals used to aggregate seeds.
//
// Nothing here implements an equation of the framework: run records what the
// other packages compute (energies, returns, accuracies) so it can be checked.
package run
