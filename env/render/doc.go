// Package render draws simple filled shapes into RGB images and writes
// episodes as animated GIFs, using only the standard library's image
// packages (no display). env/classic uses it to draw its tasks the way
// Gymnasium's pygame renderer does.
//
// # Conventions
//
// Coordinates are image pixels as float64, x to the right and y downwards,
// with pixel (i, j) covering [i, i+1)×[j, j+1); a pixel is painted when its
// centre lies inside the shape. Drawing clips to the image bounds and never
// panics for shapes that lie partly or wholly outside.
//
// This package implements no equation of the seed; it only shows the
// environment state s_t to a person.
package render
