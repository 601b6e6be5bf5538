package loyalty_test

import (
	"context"
	"errors"
	"go/types"
	"reflect"
	"testing"

	"github.com/loyaltykit/loyalty"
	"github.com/loyaltykit/loyalty/internal/testutil"
)

// zeroClients are the clients, whose exported service fields the test
// walks too. TestZeroValueTestReachesEveryService holds the list to the
// package: a type with a method taking a context that neither a client
// nor a service field reaches fails it.
var zeroClients = []reflect.Type{
	reflect.TypeFor[loyalty.VirtPOS](),
	reflect.TypeFor[loyalty.CRM](),
	reflect.TypeFor[loyalty.Artix](),
	reflect.TypeFor[loyalty.ArtixCashServer](),
}

// zeroTypes are the clients and the services their exported pointer
// fields hold.
func zeroTypes() []reflect.Type {
	var out []reflect.Type
	for _, c := range zeroClients {
		out = append(out, c)
		for f := range c.Fields() {
			if f.IsExported() && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
				out = append(out, f.Type.Elem())
			}
		}
	}
	return out
}

// TestZeroValueClientsReturnConfigError calls every exported method of
// every client and service that its constructor did not make (new(T), a
// nil *T, the nil service field of a zero client) with zero arguments and
// a live context: a method that returns an error (directly or as the
// error of an iter.Seq2) answers a *ConfigError, and none panics. The
// methods are found by reflection, so a new method is checked as soon as
// it exists. A value-receiver method (String) on a nil pointer is left
// out: that panics in any Go type, as the language dereferences it.
func TestZeroValueClientsReturnConfigError(t *testing.T) {
	ctx := context.Background()
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	checked := 0
	for _, typ := range zeroTypes() {
		for _, recv := range []struct {
			kind string
			v    reflect.Value
		}{{"nil", reflect.Zero(reflect.PointerTo(typ))}, {"new", reflect.New(typ)}} {
			for m := range recv.v.Type().Methods() {
				if _, byValue := typ.MethodByName(m.Name); byValue && recv.kind == "nil" {
					continue
				}
				name := recv.kind + " " + typ.Name() + "." + m.Name
				ft := m.Type
				args := []reflect.Value{recv.v}
				for i := 1; i < ft.NumIn(); i++ {
					in := ft.In(i)
					switch {
					case ft.IsVariadic() && i == ft.NumIn()-1:
					case in == ctxType:
						args = append(args, reflect.ValueOf(ctx))
					default:
						args = append(args, reflect.Zero(in))
					}
				}
				checked++
				t.Run(name, func(t *testing.T) {
					defer func() {
						if r := recover(); r != nil {
							t.Fatalf("panic: %v", r)
						}
					}()
					outs := m.Func.Call(args)
					err, wantErr := zeroCallError(outs, errType)
					var ce *loyalty.ConfigError
					switch {
					case !wantErr:
						// An accessor (String, Format, CommercialFirmID…): no panic is the test.
					case err == nil:
						t.Fatalf("got no error, want a *ConfigError")
					case !errors.As(err, &ce):
						t.Fatalf("got %v (%T), want a *ConfigError", err, err)
					}
				})
			}
		}
	}
	// Accessors of a zero client answer their zero value.
	var vp loyalty.VirtPOS
	var crm loyalty.CRM
	if f := vp.Format(); f != "" {
		t.Errorf("zero VirtPOS.Format() = %q, want \"\"", f)
	}
	if id := crm.CommercialFirmID(); id != "" {
		t.Errorf("zero CRM.CommercialFirmID() = %q, want \"\"", id)
	}
	if p := (*loyalty.CRM)(nil).ParamStyle(); p != loyalty.ParamsJSON {
		t.Errorf("nil CRM.ParamStyle() = %v, want ParamsJSON", p)
	}
	if checked < 60 {
		t.Errorf("checked %d methods, want at least 60 (the clients' and services' methods, nil and new): did the walk lose some?", checked)
	}
}

// zeroCallError is the error a call's results report: its last result
// when that is an error, or the first error an iter.Seq2[T, error]
// result yields. wantErr is false when the method returns no error.
func zeroCallError(outs []reflect.Value, errType reflect.Type) (err error, wantErr bool) {
	if len(outs) == 0 {
		return nil, false
	}
	last := outs[len(outs)-1]
	if last.Type() == errType {
		if last.IsNil() {
			return nil, true
		}
		return last.Interface().(error), true
	}
	// iter.Seq2[T, error]: func(yield func(T, error) bool).
	st := last.Type()
	if st.Kind() != reflect.Func || st.NumIn() != 1 || st.In(0).Kind() != reflect.Func {
		return nil, false
	}
	yt := st.In(0)
	if yt.NumIn() != 2 || yt.In(1) != errType {
		return nil, false
	}
	yield := reflect.MakeFunc(yt, func(args []reflect.Value) []reflect.Value {
		if e := args[1]; !e.IsNil() && err == nil {
			err = e.Interface().(error)
		}
		return []reflect.Value{reflect.ValueOf(false)}
	})
	last.Call([]reflect.Value{yield})
	return err, true
}

// TestZeroValueTestReachesEveryService: every exported type of the
// package with a method whose first parameter is a context is a client of
// zeroClients or a service one of them holds, so the zero-value test
// calls its methods.
func TestZeroValueTestReachesEveryService(t *testing.T) {
	if testing.Short() {
		t.Skip("builds export data with go list")
	}
	reached := map[string]bool{}
	for _, typ := range zeroTypes() {
		reached[typ.Name()] = true
	}
	pkg := testutil.NewCompiler(t, "github.com/loyaltykit/loyalty").Package(t, "github.com/loyaltykit/loyalty")
	for _, name := range pkg.Scope().Names() {
		tn, ok := pkg.Scope().Lookup(name).(*types.TypeName)
		if !ok || !tn.Exported() {
			continue
		}
		ms := types.NewMethodSet(types.NewPointer(tn.Type()))
		for sel := range ms.Methods() {
			sig := sel.Obj().Type().(*types.Signature)
			if !sel.Obj().Exported() || sig.Params().Len() == 0 {
				continue
			}
			if named, ok := sig.Params().At(0).Type().(*types.Named); ok && named.Obj().Pkg() != nil && named.Obj().Pkg().Path() == "context" && named.Obj().Name() == "Context" {
				if !reached[name] {
					t.Errorf("%s.%s takes a context, but the zero-value test does not reach %s: add its client to zeroClients", name, sel.Obj().Name(), name)
				}
				break
			}
		}
	}
}
