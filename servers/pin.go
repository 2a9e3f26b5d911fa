package servers

import (
	"io"
	"net"
	"reflect"
	"unsafe"

	"github.com/pin/tftp/v3"
)

// Two things pin/tftp v3.1.0 does not offer and the hardening of issue 9 needs are
// reached inside it here, and only here. TestPinIsTheVersionReachedInto fails when
// go.mod moves to another version: check both against its source before you update.

// pinServe hands one request, already read and admitted by serveRequests, to pin: it
// opens the transfer's socket and runs the read handler in a goroutine of its own
// (Server.Shutdown waits for it). pin's Serve would read the request itself, into 516
// bytes, and open that socket before any handler can refuse the request.
//
//go:linkname pinServe github.com/pin/tftp/v3.(*Server).handlePacket
func pinServe(s *tftp.Server, localAddr net.IP, remoteAddr *net.UDPAddr, buffer []byte, n, maxBlockLen int, listener chan []byte) error

// transferSocket is the socket pin opened for the transfer rf (its sender's conn, a
// *connConnection holding a *net.UDPConn), nil if it is not there. Closing it ends a
// transfer waiting for a silent client at once instead of after every resend: pin has
// no other way to stop a transfer. Call it from the read handler before ReadFrom: the
// sender's goroutine writes the field only inside and after ReadFrom.
func transferSocket(rf io.ReaderFrom) *net.UDPConn {
	v := reflect.ValueOf(rf)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	conn := v.Elem().FieldByName("conn")
	if conn.Kind() != reflect.Interface || conn.IsNil() {
		return nil
	}
	cc := conn.Elem()
	if cc.Kind() != reflect.Pointer || cc.IsNil() || cc.Elem().Kind() != reflect.Struct {
		return nil
	}
	sock := cc.Elem().FieldByName("conn")
	if !sock.IsValid() || sock.Type() != reflect.TypeFor[*net.UDPConn]() {
		return nil
	}
	return *(**net.UDPConn)(unsafe.Pointer(sock.UnsafeAddr()))
}
