// The load generator of the patient traffic mix (bench/load.py runs it): the mix's visits against the gateway,
// in a closed loop (N clients, each starting its next visit when the last is answered) or an open loop (visits
// started at a steady rate, answered or not), every request's latency kept by endpoint. Also the booking command
// alone ("commands": each client's patient books the client's own slot and cancels it), as pgbench runs its
// transaction alone.
//
// Why Go and not the bench's Python: the generator shares the machine's two cores with the system it measures.
// pgbench, the yardstick of make bench, drives PostgreSQL from a client in C; the Python generator (aiohttp,
// orjson) took 0.47-0.50 ms of CPU a request at the mix's maximum, 15-17 % of the machine, taken from the system
// under test (this one 0.13-0.14 ms: docs/benchmarks.md, the fourteenth run). The plan (who the patients are, their tokens, the visits and their weights) is made by the
// bench's Python and read from stdin as JSON; the answer, on stdout, is the latencies, statuses and errors of
// each endpoint and the generator's own CPU, from which bench/load.py makes the same summary as before.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Plan is what bench/load.py asks for.
type Plan struct {
	BaseURL      string       `json:"base_url"`
	Mode         string       `json:"mode"` // "closed" or "open"
	Concurrency  int          `json:"concurrency"`
	VisitsPerS   float64      `json:"visits_per_s"`
	MostInFlight int          `json:"most_in_flight"`
	Seconds      float64      `json:"seconds"`
	Visits       []VisitShare `json:"visits"`
	Only         string       `json:"only"`
	Tokens       []string     `json:"tokens"`
	Slots        []string     `json:"slots"` // "commands": client n books and cancels Slots[n] as Tokens[n]
	Window       [2]string    `json:"window"`
	LoginIDs     []string     `json:"login_ids"`
	Seed         uint64       `json:"seed"`
	Connections  int          `json:"connections"`
	TimeoutS     float64      `json:"timeout_s"`
}

type VisitShare struct {
	Kind   string  `json:"kind"`
	Weight float64 `json:"weight"`
}

// Endpoint is what one endpoint's requests gave: a latency for every answer, the answers' statuses, and the
// requests counted as errors (no answer at all, or a status the visit does not expect).
type Endpoint struct {
	LatenciesMs []float64      `json:"latencies_ms"`
	Statuses    map[string]int `json:"statuses"`
	Errors      int            `json:"errors"`
}

type Result struct {
	Visits    int64                `json:"visits"`
	ElapsedS  float64              `json:"elapsed_s"`
	CPUS      float64              `json:"cpu_s"`
	MaxRSSKiB int64                `json:"max_rss_kib"`
	Endpoints map[string]*Endpoint `json:"endpoints"`
}

type recorder struct {
	mu        sync.Mutex
	endpoints map[string]*Endpoint
	started   time.Time
	trace     io.Writer // BENCH_GENERATOR_TRACE: every request, when it started and how long it took
}

func (r *recorder) add(name string, began time.Time, latency time.Duration, status int, answered, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.trace != nil {
		fmt.Fprintf(r.trace, "%.3f\t%.3f\t%d\t%s\n", float64(began.Sub(r.started).Microseconds())/1000,
			float64(latency.Microseconds())/1000, status, name)
	}
	e := r.endpoints[name]
	if e == nil {
		e = &Endpoint{Statuses: map[string]int{}}
		r.endpoints[name] = e
	}
	if answered {
		e.LatenciesMs = append(e.LatenciesMs, float64(latency.Microseconds())/1000)
		e.Statuses[fmt.Sprint(status)]++
	}
	if !ok {
		e.Errors++
	}
}

type generator struct {
	plan   Plan
	client *http.Client
	rec    *recorder
	turn   atomic.Uint64 // each visit is the next patient's, round the whole population
	slots  string        // the slot search's path with its window
}

// call sends one request, reads the whole answer and records it under `name`; its status, and `read` (if any)
// given the answer's body while it is still in the buffer it was read into.
func (g *generator) call(name, method, path, token string, body []byte, want []int, read func([]byte)) int {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, g.plan.BaseURL+path, reader)
	if err != nil {
		panic(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	started := time.Now()
	resp, err := g.client.Do(req)
	if err != nil {
		g.rec.add(name, started, time.Since(started), 0, false, false)
		return 0
	}
	buffer := buffers.Get().(*bytes.Buffer)
	buffer.Reset()
	_, err = buffer.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		buffers.Put(buffer)
		g.rec.add(name, started, time.Since(started), 0, false, false)
		return 0
	}
	latency := time.Since(started)
	if read != nil {
		read(buffer.Bytes())
	}
	buffers.Put(buffer)
	ok := false
	for _, w := range want {
		ok = ok || resp.StatusCode == w
	}
	g.rec.add(name, started, latency, resp.StatusCode, true, ok)
	return resp.StatusCode
}

// The answers are read into buffers used again: the slot search's hundreds of slots read into a new one each time
// were most of the generator's allocations, and its garbage collector's work with them.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

var defaultOK = []int{200, 201, 202, 204}

func (g *generator) visit(kind string, token string, n int64, rng *rand.Rand) {
	switch kind {
	case "me":
		g.call("GET /me", "GET", "/api/v1/me", token, nil, defaultOK, nil)
	case "medications":
		g.call("GET /medications", "GET", "/api/v1/medications", token, nil, defaultOK, nil)
	case "appointments":
		g.call("GET /appointments", "GET", "/api/v1/appointments", token, nil, defaultOK, nil)
	case "econsultation":
		g.call("POST /econsultations", "POST", "/api/v1/econsultations", token,
			[]byte(`{"text":"Kan jeg ta paracet sammen med ibux?","accepted_terms":true}`), []int{201}, nil)
	case "login":
		id := g.plan.LoginIDs[n%int64(len(g.plan.LoginIDs))]
		body, _ := json.Marshal(map[string]string{"national_id": id})
		g.call("POST /auth/login", "POST", "/api/v1/auth/login", "", body, []int{202, 429}, nil)
	case "book_and_cancel":
		var slot string
		status := g.call("GET /slots", "GET", g.slots, token, nil, defaultOK, func(content []byte) {
			slot = slotID(content, rng.IntN)
		})
		if status != 200 || slot == "" {
			return
		}
		// a booking, then cancelling it: the command of the comparison with pgbench
		body, _ := json.Marshal(map[string]string{"slot_id": slot})
		var booked struct {
			ID string `json:"id"`
		}
		status = g.call("POST /appointments", "POST", "/api/v1/appointments", token, body, []int{201, 409},
			func(content []byte) { _ = json.Unmarshal(content, &booked) })
		if status != 201 || booked.ID == "" {
			return
		}
		// 422 on a weekend or a holiday: patients cancel only on working days (the rule)
		g.call("DELETE /appointments/{id}", "DELETE", "/api/v1/appointments/"+booked.ID, token, nil, []int{204, 422}, nil)
	case "commands":
		// The booking command alone, as pgbench runs its transaction alone: the client's own patient books the
		// client's own slot and cancels it, no search before it and no other client's slot to race for.
		slot := g.plan.Slots[n]
		body, _ := json.Marshal(map[string]string{"slot_id": slot})
		var booked struct {
			ID string `json:"id"`
		}
		status := g.call("POST /appointments", "POST", "/api/v1/appointments", token, body, []int{201},
			func(content []byte) { _ = json.Unmarshal(content, &booked) })
		if status == 201 && booked.ID != "" {
			g.call("DELETE /appointments/{id}", "DELETE", "/api/v1/appointments/"+booked.ID, token, nil, []int{204}, nil)
		}
	default:
		panic("unknown visit " + kind)
	}
}

// slotID is the id of one slot of a slot search's answer ({"doctor_id": ..., "slots": [{"id": ..., ...}, ...]},
// api.md; a contract test holds the gateway's answer to it), the one `pick` chooses of the n there are, or "" when
// there are none. Read by finding the slots' "id" keys rather than decoding the list: it holds hundreds of slots,
// and encoding/json decoding it whole was 70 % of the generator's CPU at the mix's maximum
// (BENCH_GENERATOR_CPUPROFILE), for one id a visit. No other key of the answer is "id" (the doctor's is
// "doctor_id"), and an id is a UUID, without escapes.
func slotID(content []byte, pick func(n int) int) string {
	key := []byte(`"id":"`)
	n := bytes.Count(content, key)
	if n == 0 {
		return ""
	}
	for k := pick(n); ; k-- {
		at := bytes.Index(content, key)
		content = content[at+len(key):]
		if k == 0 {
			end := bytes.IndexByte(content, '"')
			if end < 0 {
				return ""
			}
			return string(content[:end])
		}
	}
}

// one visit of the mix: the next patient, a kind drawn by its weight (or the one asked for).
func (g *generator) one(n int64, rng *rand.Rand) {
	kind := g.plan.Only
	if kind == "commands" {
		g.visit(kind, g.plan.Tokens[n], n, rng) // the client's own patient, for the client's own slot
		return
	}
	token := g.plan.Tokens[g.turn.Add(1)%uint64(len(g.plan.Tokens))]
	if kind == "" {
		roll, upto := rng.Float64(), 0.0
		for i, v := range g.plan.Visits {
			upto += v.Weight
			if roll < upto || i == len(g.plan.Visits)-1 {
				kind = v.Kind
				break
			}
		}
	}
	g.visit(kind, token, n, rng)
}

func main() {
	// One thread runs the generator's Go code: a few hundred requests a second need no more, and a second
	// would spin looking for work on cores the system under test is using.
	runtime.GOMAXPROCS(1)
	// The garbage collector runs when the heap has grown fourfold rather than twofold: a few MiB more held, and
	// fewer of its runs on the cores the system under test is using.
	debug.SetGCPercent(400)
	// BENCH_GENERATOR_CPUPROFILE=<file>: the generator's own CPU profile (go tool pprof), to see what it costs.
	if path := os.Getenv("BENCH_GENERATOR_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	var plan Plan
	if err := json.NewDecoder(os.Stdin).Decode(&plan); err != nil {
		fmt.Fprintln(os.Stderr, "generator: the plan:", err)
		os.Exit(2)
	}
	transport := &http.Transport{
		MaxIdleConns: plan.Connections, MaxIdleConnsPerHost: plan.Connections, MaxConnsPerHost: plan.Connections,
		IdleConnTimeout: 30 * time.Second, DisableCompression: true,
	}
	g := &generator{
		plan:   plan,
		client: &http.Client{Transport: transport, Timeout: time.Duration(plan.TimeoutS * float64(time.Second))},
		rec:    &recorder{endpoints: map[string]*Endpoint{}},
		slots:  "/api/v1/slots?" + url.Values{"from": {plan.Window[0]}, "to": {plan.Window[1]}}.Encode(),
	}
	var visits atomic.Int64
	started := time.Now()
	g.rec.started = started
	// BENCH_GENERATOR_TRACE=<file>: a line for every request (its start in ms from the run's, its latency in ms,
	// its status, its endpoint), to see when the slow ones came: together, or at a period, or spread.
	if path := os.Getenv("BENCH_GENERATOR_TRACE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			trace := bufio.NewWriter(f)
			defer func() { trace.Flush(); f.Close() }()
			g.rec.trace = trace
		}
	}
	deadline := started.Add(time.Duration(plan.Seconds * float64(time.Second)))
	var wg sync.WaitGroup
	switch plan.Mode {
	case "closed":
		for c := 0; c < plan.Concurrency; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(plan.Seed, uint64(c)))
				for time.Now().Before(deadline) {
					g.one(int64(c), rng)
					visits.Add(1)
				}
			}(c)
		}
	case "open":
		if plan.Only == "commands" {
			fmt.Fprintln(os.Stderr, "generator: the commands alone run in the closed loop only (a client, a slot)")
			os.Exit(2)
		}
		// A visit starts every 1/visits_per_s seconds whether the ones before have been answered or not, as
		// patients arrive; past most_in_flight visits waiting, the pace slips (the throughput then says so).
		gate := make(chan struct{}, plan.MostInFlight)
		rng := rand.New(rand.NewPCG(plan.Seed, 0))
		for n := int64(0); ; n++ {
			now := time.Now()
			if !now.Before(deadline) {
				break
			}
			due := started.Add(time.Duration(float64(n) / plan.VisitsPerS * float64(time.Second)))
			if due.After(now) {
				time.Sleep(due.Sub(now))
			}
			gate <- struct{}{}
			visitRng := rand.New(rand.NewPCG(plan.Seed, uint64(rng.Uint64())))
			wg.Add(1)
			visits.Add(1)
			go func(n int64) {
				defer func() { <-gate; wg.Done() }()
				g.one(n, visitRng)
			}(n)
		}
	default:
		fmt.Fprintln(os.Stderr, "generator: unknown mode", plan.Mode)
		os.Exit(2)
	}
	wg.Wait()
	elapsed := time.Since(started)
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
	out := Result{Visits: visits.Load(), ElapsedS: elapsed.Seconds(), CPUS: cpu.Seconds(), MaxRSSKiB: usage.Maxrss,
		Endpoints: g.rec.endpoints}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "generator: the result:", err)
		os.Exit(1)
	}
}
