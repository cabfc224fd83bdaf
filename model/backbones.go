package model

import "fmt"

// mobilenetV1 returns the outputs of stage1, stage2 and stage3 (strides 8,
// 16, 32; 256, 512, 1024 channels).
func (b *builder) mobilenetV1(x int) (int, int, int) {
	p := "backbone.model."
	x = b.convBNAct(p+"stage1.0", x, 32, 3, 2, 1, OpReLU6)
	for i, s := range []struct{ out, stride int }{{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}} {
		x = b.convDW(fmt.Sprintf("%sstage1.%d", p, i+1), x, s.out, s.stride)
	}
	x2 := x
	x = b.convDW(p+"stage2.0", x, 512, 2)
	for i := 1; i <= 5; i++ {
		x = b.convDW(fmt.Sprintf("%sstage2.%d", p, i), x, 512, 1)
	}
	x1 := x
	x = b.convDW(p+"stage3.0", x, 1024, 2)
	x = b.convDW(p+"stage3.1", x, 1024, 1)
	b.unusedLinear(p+"fc", 1024, 1000)
	return x2, x1, x
}

// mobilenetV2 is torchvision's layout; taps after features 6, 13 and 17
// (32, 96, 320 channels).
func (b *builder) mobilenetV2(x int) (int, int, int) {
	p := "backbone.model.features."
	x = b.convBNAct(p+"0", x, 32, 3, 2, 1, OpReLU6)
	idx := 1
	var taps []int
	for _, s := range []struct{ t, c, n, s int }{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}} {
		for k := 0; k < s.n; k++ {
			stride := 1
			if k == 0 {
				stride = s.s
			}
			x = b.invertedResidualV2(fmt.Sprintf("%s%d", p, idx), x, s.c, stride, s.t)
			if idx == 6 || idx == 13 || idx == 17 {
				taps = append(taps, x)
			}
			idx++
		}
	}
	b.unusedConvBN(p+"18.0", p+"18.1", 320, 1280)
	b.unusedLinear("backbone.model.classifier.1", 1280, 1000)
	return taps[0], taps[1], taps[2]
}

func (b *builder) invertedResidualV2(name string, x, out, stride, t int) int {
	in := b.shape(x).C
	hidden := in * t
	y := x
	i := 0
	if t != 1 {
		y = b.convBNAct(fmt.Sprintf("%s.conv.%d", name, i), y, hidden, 1, 1, 1, OpReLU6)
		i++
	}
	y = b.convBNAct(fmt.Sprintf("%s.conv.%d", name, i), y, hidden, 3, stride, hidden, OpReLU6)
	y = b.conv(fmt.Sprintf("%s.conv.%d", name, i+1), y, out, 1, 1, 1, false)
	y = b.bn(fmt.Sprintf("%s.conv.%d", name, i+2), y)
	if stride == 1 && in == out {
		return b.add(Node{Name: name + ".add", Op: OpAdd, Inputs: []int{x, y}, Out: b.shape(y)})
	}
	return y
}

// MakeDivisible is the reference's _make_divisible(v, 8).
func MakeDivisible(v float64, divisor int) int {
	n := max(divisor, int(v+float64(divisor)/2)/divisor*divisor)
	if float64(n) < 0.9*v {
		n += divisor
	}
	return n
}

// mobilenetV3 is MobileNetV3-Large; taps after features 6, 12 and 15
// (40, 112, 160 channels).
func (b *builder) mobilenetV3(x int) (int, int, int) {
	p := "backbone.model.features."
	x = b.convBNAct(p+"0", x, 16, 3, 2, 1, OpHardSwish)
	var taps []int
	for i, s := range []struct {
		k      int
		t      float64
		c      int
		se, hs bool
		s      int
	}{
		{3, 1, 16, false, false, 1}, {3, 4, 24, false, false, 2}, {3, 3, 24, false, false, 1},
		{5, 3, 40, true, false, 2}, {5, 3, 40, true, false, 1}, {5, 3, 40, true, false, 1},
		{3, 6, 80, false, true, 2}, {3, 2.5, 80, false, true, 1}, {3, 2.3, 80, false, true, 1}, {3, 2.3, 80, false, true, 1},
		{3, 6, 112, true, true, 1}, {3, 6, 112, true, true, 1},
		{5, 6, 160, true, true, 2}, {5, 6, 160, true, true, 1}, {5, 6, 160, true, true, 1},
	} {
		hidden := MakeDivisible(float64(b.shape(x).C)*s.t, 8)
		x = b.invertedResidualV3(fmt.Sprintf("%s%d", p, i+1), x, hidden, s.c, s.k, s.s, s.se, s.hs)
		if i+1 == 6 || i+1 == 12 || i+1 == 15 {
			taps = append(taps, x)
		}
	}
	b.unusedConvBN("backbone.model.conv.0", "backbone.model.conv.1", 160, 960)
	b.unusedLinear("backbone.model.classifier.0", 960, 1280)
	b.unusedLinear("backbone.model.classifier.3", 1280, 1000)
	return taps[0], taps[1], taps[2]
}

func (b *builder) invertedResidualV3(name string, x, hidden, out, k, stride int, se, hs bool) int {
	in := b.shape(x).C
	act := OpReLU
	if hs {
		act = OpHardSwish
	}
	c := func(i int) string { return fmt.Sprintf("%s.conv.%d", name, i) }
	y := x
	if in == hidden { // dw → BN → act → SE → pw → BN
		y = b.conv(c(0), y, hidden, k, stride, hidden, false)
		y = b.bn(c(1), y)
		y = b.act(c(2), act, y)
		if se {
			y = b.se(c(3), y)
		}
		y = b.conv(c(4), y, out, 1, 1, 1, false)
		y = b.bn(c(5), y)
	} else { // pw → BN → act → dw → BN → SE → act → pw → BN
		y = b.conv(c(0), y, hidden, 1, 1, 1, false)
		y = b.bn(c(1), y)
		y = b.act(c(2), act, y)
		y = b.conv(c(3), y, hidden, k, stride, hidden, false)
		y = b.bn(c(4), y)
		if se {
			y = b.se(c(5), y)
		}
		y = b.act(c(6), act, y)
		y = b.conv(c(7), y, out, 1, 1, 1, false)
		y = b.bn(c(8), y)
	}
	if stride == 1 && in == out {
		return b.add(Node{Name: name + ".add", Op: OpAdd, Inputs: []int{x, y}, Out: b.shape(y)})
	}
	return y
}

// se is squeeze-and-excite: pool → Linear(C, C/4 rounded) → ReLU →
// Linear(back to C) → h-sigmoid → scale.
func (b *builder) se(name string, x int) int {
	ch := b.shape(x).C
	s := b.add(Node{Name: name + ".avg_pool", Op: OpAvgPool, Inputs: []int{x}, Out: Shape{ch, 1, 1}})
	s = b.linear(name+".fc.0", s, MakeDivisible(float64(ch/4), 8))
	s = b.act(name+".fc.1", OpReLU, s)
	s = b.linear(name+".fc.2", s, ch)
	s = b.act(name+".fc.3", OpHardSigmoid, s)
	return b.add(Node{Name: name + ".mul", Op: OpMul, Inputs: []int{x, s}, Out: b.shape(x)})
}
