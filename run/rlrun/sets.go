package rlrun

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// ApplySets applies "key=value" overrides to cfg, a pointer to a typed
// Config struct. Keys are the config's JSON field names; fields of embedded
// structs are promoted (as encoding/json does) and fields of nested structs
// are reached with dots ("adam.lr"). A value is parsed for the field's type:
// numbers, booleans, strings, names of types with UnmarshalText, and lists
// written "64,64" or "[64,64]". It returns an error naming the valid keys for
// an unknown key and the expected type for a bad value; cfg is left
// unchanged by a failing call.
func ApplySets(cfg any, sets []string) error {
	rv := reflect.ValueOf(cfg)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("rlrun: ApplySets needs a pointer to a config struct, got %T", cfg))
	}
	// Work on a copy so a failure leaves cfg untouched.
	tmp := reflect.New(rv.Elem().Type())
	tmp.Elem().Set(rv.Elem())
	fields := map[string]reflect.Value{}
	collectFields(tmp.Elem(), "", fields)
	for _, s := range sets {
		key, val, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return fmt.Errorf("rlrun: --set %q is not key=value", s)
		}
		f, ok := fields[key]
		if !ok {
			return fmt.Errorf("rlrun: unknown --set key %q; valid keys: %s", key, strings.Join(SetKeys(cfg), ", "))
		}
		if err := setValue(f, strings.TrimSpace(val)); err != nil {
			return fmt.Errorf("rlrun: --set %s=%s: %v", key, val, err)
		}
	}
	rv.Elem().Set(tmp.Elem())
	return nil
}

// SetKeys returns the keys ApplySets accepts for cfg, sorted.
func SetKeys(cfg any) []string {
	rv := reflect.ValueOf(cfg)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	fields := map[string]reflect.Value{}
	collectFields(rv, "", fields)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func collectFields(v reflect.Value, prefix string, out map[string]reflect.Value) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		fv := v.Field(i)
		isStruct := sf.Type.Kind() == reflect.Struct && !reflect.PointerTo(sf.Type).Implements(textUnmarshaler)
		if sf.Anonymous && isStruct && name == "" {
			collectFields(fv, prefix, out)
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if isStruct {
			collectFields(fv, prefix+name+".", out)
			continue
		}
		out[prefix+name] = fv
	}
}

func setValue(f reflect.Value, s string) error {
	if f.CanAddr() {
		if u, ok := f.Addr().Interface().(encoding.TextUnmarshaler); ok {
			return u.UnmarshalText([]byte(s))
		}
	}
	var js string
	switch f.Kind() {
	case reflect.String:
		js = fmt.Sprintf("%q", s)
	case reflect.Slice, reflect.Array:
		if !strings.HasPrefix(s, "[") {
			s = "[" + s + "]"
		}
		js = s
	default:
		js = s
	}
	p := reflect.New(f.Type())
	dec := json.NewDecoder(strings.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.Interface()); err != nil || dec.More() {
		return fmt.Errorf("want a value of type %s", typeName(f.Type()))
	}
	f.Set(p.Elem())
	return nil
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer ≥ 0"
	case reflect.Bool:
		return "bool (true/false)"
	case reflect.Slice, reflect.Array:
		return "list of " + typeName(t.Elem()) + " (e.g. 64,64)"
	}
	return t.String()
}
