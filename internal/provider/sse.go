package provider

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// maxEventBytes bounds one line and the data of one server-sent event.
const maxEventBytes = 1 << 20

// errEventTooLarge is a server-sent event (or line) over the reader's
// bound.
var errEventTooLarge = errors.New("provider: server-sent event too large")

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	// Event is the event type ("" when the stream named none, which the
	// specification calls "message").
	Event string
	// Data is the event's data lines joined by "\n". It is valid until the
	// next call of Next.
	Data []byte
	// ID is the last event ID seen.
	ID string
}

// sseReader reads a text/event-stream as the HTML specification's
// "interpreting an event stream" describes, event by event as bytes
// arrive: lines end in CRLF, LF or CR; a line starting with ':' is a
// comment; "data" lines accumulate, joined by "\n"; a blank line
// dispatches the event; an event without data is not dispatched.
//
// It differs from the specification in two ways: an event still pending
// when the stream ends is dispatched rather than dropped (upstreams that
// close without a final blank line lose nothing), and a CR that ends the
// bytes read so far waits for the next byte (it may be the first half of
// a CRLF), delaying its line until then.
//
// Lines and event data are bounded by max bytes: over that, Next returns
// errEventTooLarge.
type sseReader struct {
	sc      *bufio.Scanner
	max     int
	data    []byte
	hasData bool
	event   string
	id      string
	started bool
}

func newSSEReader(r io.Reader) *sseReader { return newSSEReaderSize(r, maxEventBytes) }

func newSSEReaderSize(r io.Reader, max int) *sseReader {
	sc := bufio.NewScanner(r)
	// A line holds a field name, a colon, a space and up to max bytes of
	// value, and may start with a byte order mark.
	sc.Buffer(make([]byte, 0, min(4096, max+64)), max+64)
	sc.Split(splitSSELines)
	return &sseReader{sc: sc, max: max}
}

// splitSSELines is a bufio.SplitFunc for lines ended by CRLF, LF or CR.
func splitSSELines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if atEOF && len(data) == 0 {
		return 0, nil, nil
	}
	end := len(data)
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		end = i
	}
	if j := bytes.IndexByte(data[:end], '\r'); j >= 0 {
		switch {
		case j+1 < len(data) && data[j+1] == '\n':
			return j + 2, data[:j], nil
		case j+1 < len(data) || atEOF:
			return j + 1, data[:j], nil
		}
		// A CR at the end of what was read: wait for the next byte.
		return 0, nil, nil
	}
	if end < len(data) {
		return end + 1, data[:end], nil
	}
	if atEOF {
		return len(data), data, nil
	}
	return 0, nil, nil
}

var utf8BOM = []byte("\xEF\xBB\xBF")

// Next returns the next event, io.EOF at the end of the stream, or the
// error that stopped it.
func (s *sseReader) Next() (sseEvent, error) {
	if s.hasData {
		// The previous event was dispatched; its buffer is reused.
		s.data, s.hasData, s.event = s.data[:0], false, ""
	}
	for s.sc.Scan() {
		line := s.sc.Bytes()
		if !s.started {
			s.started = true
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if len(line) == 0 {
			if s.hasData {
				return s.dispatch(), nil
			}
			s.event = ""
			continue
		}
		if line[0] == ':' {
			continue // a comment, often a keep-alive
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			if len(s.data)+len(value)+1 > s.max {
				return sseEvent{}, errEventTooLarge
			}
			if s.hasData {
				s.data = append(s.data, '\n')
			}
			s.data = append(s.data, value...)
			s.hasData = true
		case "event":
			s.event = string(value)
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				s.id = string(value)
			}
		}
		// "retry" and unknown fields are ignored.
	}
	if err := s.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sseEvent{}, errEventTooLarge
		}
		return sseEvent{}, err
	}
	if s.hasData {
		return s.dispatch(), nil
	}
	return sseEvent{}, io.EOF
}

func (s *sseReader) dispatch() sseEvent {
	return sseEvent{Event: s.event, Data: s.data, ID: s.id}
}
