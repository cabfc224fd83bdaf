module github.com/labelloop/labelloop

go 1.26.8

require github.com/beevik/etree v1.8.1

require golang.org/x/image v0.48.0 // indirect
