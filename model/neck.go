package model

import "fmt"

// threeConv and fiveConv alternate 1x1 conv2d and conv_dw blocks.
func (b *builder) convStack(name string, x, a, c, n int) int {
	for i := 0; i < n; i++ {
		sub := fmt.Sprintf("%s.%d", name, i)
		if i%2 == 0 {
			x = b.conv2d(sub, x, a, 1)
		} else {
			x = b.convDW(sub, x, c, 1)
		}
	}
	return x
}

// spp concatenates max-pools of 13, 9 and 5 (stride 1, same size) and the
// input itself, in that order.
func (b *builder) spp(x int) int {
	s := b.shape(x)
	ins := []int{}
	for _, k := range []int{13, 9, 5} {
		ins = append(ins, b.add(Node{Name: fmt.Sprintf("SPP.maxpools.%d", k), Op: OpMaxPool, Inputs: []int{x}, Kernel: k, Stride: 1, Pad: k / 2, Out: s}))
	}
	return b.concat("SPP.cat", append(ins, x)...)
}

func (b *builder) concat(name string, ins ...int) int {
	s := b.shape(ins[0])
	s.C = 0
	for _, i := range ins {
		s.C += b.shape(i).C
	}
	return b.add(Node{Name: name, Op: OpConcat, Inputs: ins, Out: s})
}

// upsample is conv2d(in, out, 1) then nearest-neighbour ×2.
func (b *builder) upsample(name string, x, out int) int {
	x = b.conv2d(name+".upsample.0", x, out, 1)
	s := b.shape(x)
	return b.add(Node{Name: name + ".upsample.1", Op: OpUpsample, Inputs: []int{x}, Stride: 2, Out: Shape{s.C, s.H * 2, s.W * 2}})
}

// head is conv_dw(in, a) then a 1x1 conv a → 3·(5+classes) with bias.
func (b *builder) head(name string, x, a, out int) int {
	x = b.convDW(name+".0", x, a, 1)
	return b.conv(name+".1", x, out, 1, 1, 1, true)
}

func (b *builder) neck(cfg Config, x2, x1, x0 int) {
	out := cfg.HeadChannels()
	p5 := b.convStack("conv1", x0, 512, 1024, 3)
	p5 = b.spp(p5)
	p5 = b.convStack("conv2", p5, 512, 1024, 3)

	p5up := b.upsample("upsample1", p5, 256)
	p4 := b.conv2d("conv_for_P4", x1, 256, 1)
	p4 = b.convStack("make_five_conv1", b.concat("cat_P4", p4, p5up), 256, 512, 5)

	p4up := b.upsample("upsample2", p4, 128)
	p3 := b.conv2d("conv_for_P3", x2, 128, 1)
	p3 = b.convStack("make_five_conv2", b.concat("cat_P3", p3, p4up), 128, 256, 5)

	p3down := b.convDW("down_sample1", p3, 256, 2)
	p4 = b.convStack("make_five_conv3", b.concat("cat_P4_down", p3down, p4), 256, 512, 5)

	p4down := b.convDW("down_sample2", p4, 512, 2)
	p5 = b.convStack("make_five_conv4", b.concat("cat_P5_down", p4down, p5), 512, 1024, 5)

	b.g.Outputs[2] = b.head("yolo_head3", p3, 256, out)
	b.g.Outputs[1] = b.head("yolo_head2", p4, 512, out)
	b.g.Outputs[0] = b.head("yolo_head1", p5, 1024, out)
}
