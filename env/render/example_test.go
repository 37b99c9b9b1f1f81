package render_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"

	"github.com/vfe-go/vfe/env/render"
)

func ExampleEncodeGIF() {
	var frames []*image.RGBA
	for i := 0; i < 2; i++ {
		img := image.NewRGBA(image.Rect(0, 0, 40, 40))
		render.Fill(img, color.RGBA{255, 255, 255, 255})
		render.Circle(img, 10+20*float64(i), 20, 8, color.RGBA{204, 77, 77, 255})
		frames = append(frames, img)
	}
	var buf bytes.Buffer
	if err := render.EncodeGIF(&buf, frames, 5); err != nil {
		panic(err)
	}
	fmt.Println(len(render.Palette(frames)), buf.Len() > 0)
	// Output: 2 true
}
