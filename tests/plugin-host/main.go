// plugin-host starts a Grafana backend plugin exactly as Grafana does (go-plugin client, magic cookie
// grafana_plugin_type=datasource, protocol version 2, gRPC only, no AutoMTLS), then runs the calls described by
// a JSON script read on stdin and prints what the plugin answered as JSON on stdout:
//
//	{"executable": "...", "settings": {...}, "health": true, "metrics": true,
//	 "queries": [{"refId": "A", "fromMS": 0, "toMS": 0, "maxDataPoints": 100, "intervalMS": 60000, "model": {...}}],
//	 "repeat": 1, "resources": [{"path": "connectors"}]}
//
// Frames come back base64-encoded, exactly as the plugin sent them. Any byte on the plugin's stdout before the
// handshake fails the start (go-plugin: "Unrecognized remote plugin message"), as it does in Grafana; stderr
// lines that are not hclog JSON are reported in "badStderr". Exit code 2 when the plugin cannot be started.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	pb "mailflow.test/pluginhost/pluginv2"
)

type settings struct {
	ID            int64             `json:"id"`
	UID           string            `json:"uid"`
	Name          string            `json:"name"`
	URL           string            `json:"url"`
	User          string            `json:"user"`
	Database      string            `json:"database"`
	JSONData      json.RawMessage   `json:"jsonData"`
	Secure        map[string]string `json:"secureJsonData"`
	LastUpdatedMS int64             `json:"lastUpdatedMS"`
}

type query struct {
	RefID         string          `json:"refId"`
	FromMS        int64           `json:"fromMS"`
	ToMS          int64           `json:"toMS"`
	MaxDataPoints int64           `json:"maxDataPoints"`
	IntervalMS    int64           `json:"intervalMS"`
	QueryType     string          `json:"queryType"`
	Model         json.RawMessage `json:"model"`
}

type resource struct {
	Path   string `json:"path"`
	Method string `json:"method"`
	Body   string `json:"body"`
}

type script struct {
	Executable string            `json:"executable"`
	Env        map[string]string `json:"env"`
	Settings   *settings         `json:"settings"`
	Health     bool              `json:"health"`
	Metrics    bool              `json:"metrics"`
	Queries    []query           `json:"queries"`
	Repeat     int               `json:"repeat"`
	Resources  []resource        `json:"resources"`
}

type healthOut struct {
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details,omitempty"`
}

type dataOut struct {
	Status      int32    `json:"status"`
	Error       string   `json:"error"`
	ErrorSource string   `json:"errorSource"`
	Frames      []string `json:"frames"`
}

type resourceOut struct {
	Path        string `json:"path"`
	Code        int32  `json:"code"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

type output struct {
	HandshakeMs      float64             `json:"handshakeMs"`
	Pid              int                 `json:"pid"`
	PingError        string              `json:"pingError"`
	Health           *healthOut          `json:"health,omitempty"`
	Metrics          string              `json:"metrics,omitempty"`
	Data             map[string]*dataOut `json:"data,omitempty"`
	QueryMs          []float64           `json:"queryMs,omitempty"`
	Errors           []string            `json:"errors"`
	Resources        []resourceOut       `json:"resources,omitempty"`
	ShutdownMs       float64             `json:"shutdownMs"`
	ExitedGracefully bool                `json:"exitedGracefully"`
	Stderr           []string            `json:"stderr"`
	BadStderr        []string            `json:"badStderr"`
}

// grpcConnPlugin hands the raw connection back: the host calls the pluginv2 services on it, as Grafana does.
type grpcConnPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
}

func (grpcConnPlugin) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error { return nil }

func (grpcConnPlugin) GRPCClient(_ context.Context, _ *goplugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return conn, nil
}

// lineRecorder keeps the plugin's stderr lines and checks each is hclog JSON as Grafana parses it.
type lineRecorder struct {
	mu      sync.Mutex
	partial bytes.Buffer
	lines   []string
	bad     []string
}

func (r *lineRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.partial.Write(p)
	for {
		data := r.partial.Bytes()
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := string(data[:i])
		r.partial.Next(i + 1)
		r.lines = append(r.lines, line)
		if !isHclogJSON(line) {
			r.bad = append(r.bad, line)
		}
	}
	return len(p), nil
}

func isHclogJSON(line string) bool {
	var raw map[string]interface{}
	if json.Unmarshal([]byte(line), &raw) != nil {
		return false
	}
	level, ok1 := raw["@level"].(string)
	_, ok2 := raw["@message"].(string)
	stamp, ok3 := raw["@timestamp"].(string)
	if !ok1 || !ok2 || !ok3 || hclog.LevelFromString(level) == hclog.NoLevel {
		return false
	}
	_, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", stamp)
	return err == nil
}

// watchWriter passes go-plugin's own log through and notes whether it had to kill the plugin.
type watchWriter struct {
	mu     sync.Mutex
	killed bool
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	if strings.Contains(string(p), "plugin failed to exit gracefully") {
		w.killed = true
	}
	w.mu.Unlock()
	return os.Stderr.Write(p)
}

func main() {
	var in script
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail("reading the JSON script on stdin: %v", err)
	}
	if in.Executable == "" {
		fail("the script needs \"executable\"")
	}
	if in.Repeat < 1 {
		in.Repeat = 1
	}

	stderr := &lineRecorder{}
	watch := &watchWriter{}
	cmd := exec.Command(in.Executable)
	// Grafana's own variables; go-plugin adds the cookie, PLUGIN_PROTOCOL_VERSIONS and the port range.
	cmd.Env = append(cmd.Env, "GF_VERSION=11.3.0", "GF_EDITION=oss", "GF_PLUGIN_APP_CLIENT_SECRET=")
	for k, v := range in.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "grafana_plugin_type",
			MagicCookieValue: "datasource",
		},
		// Grafana offers only protocol version 2 of its plugin API.
		VersionedPlugins: map[int]goplugin.PluginSet{2: {"datasource": grpcConnPlugin{}}},
		Cmd:              cmd,
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		StartTimeout:     20 * time.Second,
		Stderr:           stderr,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:   "plugin-host",
			Output: watch,
			Level:  hclog.Warn,
		}),
	})
	out := output{Errors: []string{}}

	started := time.Now()
	_, err := client.Start()
	if err != nil {
		client.Kill()
		stderr.mu.Lock()
		fmt.Fprintln(os.Stderr, strings.Join(stderr.lines, "\n"))
		stderr.mu.Unlock()
		fmt.Fprintf(os.Stderr, "plugin-host: the plugin did not start: %v\n", err)
		os.Exit(2)
	}
	out.HandshakeMs = float64(time.Since(started).Microseconds()) / 1000
	if rc := client.ReattachConfig(); rc != nil {
		out.Pid = rc.Pid
	}

	protocol, err := client.Client()
	if err != nil {
		client.Kill()
		fail("go-plugin client: %v", err)
	}
	if err := protocol.Ping(); err != nil {
		out.PingError = err.Error()
	}
	raw, err := protocol.Dispense("datasource")
	if err != nil {
		client.Kill()
		fail("dispense: %v", err)
	}
	conn := raw.(*grpc.ClientConn)
	pctx := pluginContext(in.Settings)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	if in.Health {
		resp, err := pb.NewDiagnosticsClient(conn).CheckHealth(ctx, &pb.CheckHealthRequest{PluginContext: pctx})
		if err != nil {
			out.Errors = append(out.Errors, "CheckHealth: "+err.Error())
		} else {
			out.Health = &healthOut{Status: resp.Status.String(), Message: resp.Message}
			if len(resp.JsonDetails) > 0 {
				out.Health.Details = json.RawMessage(resp.JsonDetails)
			}
		}
	}

	if len(in.Queries) > 0 {
		req := &pb.QueryDataRequest{PluginContext: pctx, Headers: map[string]string{}}
		for _, q := range in.Queries {
			model := q.Model
			if len(model) == 0 {
				model = json.RawMessage("{}")
			}
			req.Queries = append(req.Queries, &pb.DataQuery{
				RefId:         q.RefID,
				MaxDataPoints: q.MaxDataPoints,
				IntervalMS:    q.IntervalMS,
				TimeRange:     &pb.TimeRange{FromEpochMS: q.FromMS, ToEpochMS: q.ToMS},
				Json:          model,
				QueryType:     q.QueryType,
			})
		}
		data := pb.NewDataClient(conn)
		for i := 0; i < in.Repeat; i++ {
			t := time.Now()
			resp, err := data.QueryData(ctx, req)
			out.QueryMs = append(out.QueryMs, float64(time.Since(t).Microseconds())/1000)
			if err != nil {
				out.Errors = append(out.Errors, "QueryData: "+err.Error())
				break
			}
			if i == 0 {
				out.Data = map[string]*dataOut{}
				for refID, r := range resp.Responses {
					d := &dataOut{Status: r.Status, Error: r.Error, ErrorSource: r.ErrorSource, Frames: []string{}}
					for _, f := range r.Frames {
						d.Frames = append(d.Frames, base64.StdEncoding.EncodeToString(f))
					}
					out.Data[refID] = d
				}
			}
		}
	}

	for _, r := range in.Resources {
		method := r.Method
		if method == "" {
			method = "GET"
		}
		stream, err := pb.NewResourceClient(conn).CallResource(ctx, &pb.CallResourceRequest{
			PluginContext: pctx,
			Path:          r.Path,
			Method:        method,
			Url:           r.Path,
			Body:          []byte(r.Body),
		})
		if err != nil {
			out.Errors = append(out.Errors, "CallResource "+r.Path+": "+err.Error())
			continue
		}
		res := resourceOut{Path: r.Path}
		var body bytes.Buffer
		for {
			msg, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				out.Errors = append(out.Errors, "CallResource "+r.Path+": "+err.Error())
				break
			}
			if msg.Code != 0 {
				res.Code = msg.Code
			}
			if ct, ok := msg.Headers["Content-Type"]; ok && len(ct.Values) > 0 {
				res.ContentType = ct.Values[0]
			}
			body.Write(msg.Body)
		}
		res.Body = body.String()
		out.Resources = append(out.Resources, res)
	}

	if in.Metrics {
		resp, err := pb.NewDiagnosticsClient(conn).CollectMetrics(ctx, &pb.CollectMetricsRequest{PluginContext: pctx})
		if err != nil {
			out.Errors = append(out.Errors, "CollectMetrics: "+err.Error())
		} else if resp.Metrics != nil {
			out.Metrics = string(resp.Metrics.Prometheus)
		}
	}

	// Kill is what Grafana does to stop a plugin: GRPCController/Shutdown, then up to 2 s for the exit, then SIGKILL.
	t := time.Now()
	client.Kill()
	out.ShutdownMs = float64(time.Since(t).Microseconds()) / 1000
	watch.mu.Lock()
	out.ExitedGracefully = !watch.killed && client.Exited()
	watch.mu.Unlock()

	stderr.mu.Lock()
	out.Stderr = append([]string{}, stderr.lines...)
	out.BadStderr = append([]string{}, stderr.bad...)
	stderr.mu.Unlock()
	sort.Float64s(out.QueryMs)

	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	if err := enc.Encode(out); err != nil {
		fail("writing the answer: %v", err)
	}
}

func pluginContext(s *settings) *pb.PluginContext {
	pctx := &pb.PluginContext{
		OrgId:         1,
		PluginId:      "mailflow-tls-datasource",
		User:          &pb.User{Login: "admin", Name: "admin", Role: "Admin"},
		PluginVersion: "test",
		UserAgent:     "plugin-host",
	}
	if s == nil {
		return pctx
	}
	jsonData := []byte(s.JSONData)
	if len(jsonData) == 0 {
		jsonData = []byte("{}")
	}
	secure := s.Secure
	if secure == nil {
		secure = map[string]string{}
	}
	pctx.DataSourceInstanceSettings = &pb.DataSourceInstanceSettings{
		Id:                      s.ID,
		Uid:                     s.UID,
		Name:                    s.Name,
		Url:                     s.URL,
		User:                    s.User,
		Database:                s.Database,
		JsonData:                jsonData,
		DecryptedSecureJsonData: secure,
		LastUpdatedMS:           s.LastUpdatedMS,
	}
	return pctx
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "plugin-host: "+format+"\n", args...)
	os.Exit(2)
}
