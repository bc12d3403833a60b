// Package httpjson is what the native API and every wire dialect share to
// speak JSON over HTTP: strict request decoding with errors that name the
// field at fault, size-limited bodies, JSON answers, and the English or
// Russian text of domain errors chosen by Accept-Language. Each API keeps
// its own error shape and status table; only the parts that must behave
// the same everywhere live here.
package httpjson
