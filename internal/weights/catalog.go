// Package weights fetches the seed's published weights (ImageNet
// backbones and VOC07+12 detectors) into the user's cache folder, with
// resume and verification, and turns weights files into a start for a
// network. It is plain Go (net/http), so the app and the worker share it
// and its tests need no libtorch.
package weights

import (
	"fmt"
	"os"
	"strings"

	"github.com/labelloop/labelloop/model"
)

// Kind is what a published file holds.
type Kind string

const (
	Detector Kind = "voc"      // a whole detector trained on VOC07+12 (20 classes)
	Backbone Kind = "imagenet" // an ImageNet classifier, of which the backbone is taken
)

// Entry is one published weights file.
type Entry struct {
	Name     string // what `weights fetch` takes: voc-mobilenetv2, imagenet-mobilenetv2, ...
	Kind     Kind
	Backbone string
	File     string // the file name, as published (and as a mirror must serve it)
	URL      string // the public address
	Note     string
}

// The seed's release holds the VOC detectors and its V1/V3 backbones
// (train.py's download_weights); torchvision hosts MobileNetV2's. The V1
// and V3 backbone names are the ones the seed's nets/mobilenet_v1.py and
// nets/mobilenet_v3.py load from model_data/.
const (
	seedRelease = "https://github.com/bubbliiiing/mobilenet-yolov4-lite-pytorch/releases/download/v1.0/"
	torchvision = "https://download.pytorch.org/models/"
)

// Catalog lists every file `weights list` shows.
var Catalog = []Entry{
	{"voc-mobilenetv1", Detector, model.MobileNetV1, "yolov4_mobilenet_v1_voc.pth", seedRelease + "yolov4_mobilenet_v1_voc.pth", "VOC07+12 detector, mAP@0.5 79.72 at 416"},
	{"voc-mobilenetv2", Detector, model.MobileNetV2, "yolov4_mobilenet_v2_voc.pth", seedRelease + "yolov4_mobilenet_v2_voc.pth", "VOC07+12 detector, mAP@0.5 80.12 at 416"},
	{"voc-mobilenetv3", Detector, model.MobileNetV3, "yolov4_mobilenet_v3_voc.pth", seedRelease + "yolov4_mobilenet_v3_voc.pth", "VOC07+12 detector, mAP@0.5 79.01 at 416"},
	{"imagenet-mobilenetv1", Backbone, model.MobileNetV1, "mobilenet_v1_weights.pth", seedRelease + "mobilenet_v1_weights.pth", "ImageNet backbone (the seed's)"},
	{"imagenet-mobilenetv2", Backbone, model.MobileNetV2, "mobilenet_v2-b0353104.pth", torchvision + "mobilenet_v2-b0353104.pth", "ImageNet backbone (torchvision)"},
	{"imagenet-mobilenetv3", Backbone, model.MobileNetV3, "mobilenetv3-large-1cd25616.pth", seedRelease + "mobilenetv3-large-1cd25616.pth", "ImageNet backbone (the seed's)"},
}

// VOCClasses are the VOC detectors' 20 classes, in the seed's
// voc_classes.txt order (the order of their head's outputs).
var VOCClasses = []string{"aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
	"diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"}

// URLEnv names a base address that replaces the public hosts (a mirror,
// an offline company server): the file is fetched from $URLEnv/FILE.
const URLEnv = "LABELLOOP_WEIGHTS_URL"

// Lookup finds a catalog entry by name, or by kind and backbone
// ("voc" or "imagenet" with a backbone).
func Lookup(name string) (Entry, error) {
	for _, e := range Catalog {
		if e.Name == name {
			return e, nil
		}
	}
	var names []string
	for _, e := range Catalog {
		names = append(names, e.Name)
	}
	return Entry{}, fmt.Errorf("no published weights named %q (there are %s)", name, strings.Join(names, ", "))
}

// For is the entry of a kind for a backbone.
func For(k Kind, backbone string) (Entry, error) {
	return Lookup(string(k) + "-" + backbone)
}

// IsStart says whether an init setting names published weights ("voc"
// or "imagenet") rather than a file.
func IsStart(init string) bool { return init == string(Detector) || init == string(Backbone) }

// SourceURL is where e is fetched from: under $LABELLOOP_WEIGHTS_URL when
// it is set, else its public address.
func (e Entry) SourceURL() string {
	if base := strings.TrimSpace(os.Getenv(URLEnv)); base != "" {
		return strings.TrimSuffix(base, "/") + "/" + e.File
	}
	return e.URL
}
