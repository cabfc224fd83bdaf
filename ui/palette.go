package ui

import (
	"hash/fnv"
	"image/color"
)

// classPalette gives classes distinct, stable colours: the class-list
// index when known, else a hash of the name.
var classPalette = []color.NRGBA{
	{230, 25, 75, 255}, {60, 180, 75, 255}, {0, 130, 200, 255}, {245, 130, 48, 255},
	{145, 30, 180, 255}, {70, 240, 240, 255}, {240, 50, 230, 255}, {210, 245, 60, 255},
	{250, 190, 212, 255}, {0, 128, 128, 255}, {220, 190, 255, 255}, {170, 110, 40, 255},
}

// ClassColor is the colour for class name given the class list.
func ClassColor(classes []string, name string) color.Color {
	for i, c := range classes {
		if c == name {
			return classPalette[i%len(classPalette)]
		}
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return classPalette[int(h.Sum32()%uint32(len(classPalette)))]
}
