package app

import (
	"reflect"
	"testing"
)

func TestAddRecent(t *testing.T) {
	got := AddRecent([]string{"a", "b", "c"}, "b", 3)
	if !reflect.DeepEqual(got, []string{"b", "a", "c"}) {
		t.Fatal(got)
	}
	got = AddRecent([]string{"a", "b", "c"}, "d", 3)
	if !reflect.DeepEqual(got, []string{"d", "a", "b"}) {
		t.Fatal(got)
	}
}
