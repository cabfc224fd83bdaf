package model

import "math/rand/v2"

// InitWeights gives a fresh network the reference's initialisation
// (weights_init "normal", gain 0.02): convolution and linear weights from
// N(0, 0.02), BatchNorm's γ from N(1, 0.02) and β 0, biases 0, running
// mean 0 and variance 1.
func InitWeights(g *Graph, seed uint64) map[string][]float32 {
	rng := rand.New(rand.NewPCG(seed, 0x1d))
	w := make(map[string][]float32, len(g.Params))
	for _, p := range g.Params {
		if p.Kind == BNCount {
			continue
		}
		v := make([]float32, p.Size())
		switch p.Kind {
		case ConvWeight, LinearWeight:
			for i := range v {
				v[i] = float32(0.02 * rng.NormFloat64())
			}
		case BNWeight:
			for i := range v {
				v[i] = float32(1 + 0.02*rng.NormFloat64())
			}
		case BNVar:
			for i := range v {
				v[i] = 1
			}
		}
		w[p.Name] = v
	}
	return w
}
