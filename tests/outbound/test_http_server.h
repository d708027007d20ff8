// TestHttpServer: a real HTTP server for client tests — a small Python standard-library server
// written to a temp file and run as a child process on port 0; the port is read back from its
// first line of output. Endpoints:
//   /hello         200 "hello world", header X-Test: yes
//   /echo          echoes the request body; X-Method and X-Content-Type say what arrived
//   /status/<n>    answers <n> with body "status <n>"
//   /sleep/<s>     waits <s> seconds, then 200 "slept"
//   /big/<n>       200 with <n> bytes of 'a'
//   /binary        200 with "ok" and three bytes that are not UTF-8
// One per test fixture; the destructor kills and reaps the child. Not thread-safe itself.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "outbound/test_port_printer.h"

namespace conveyor {

inline constexpr const char* kTestHttpServerScript = R"PY(
import http.server, socketserver, sys, time

class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body, extra=()):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra: self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(body)
    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        data = self.rfile.read(n) if n else b""
        parts = self.path.split("/")
        if self.path == "/hello":
            self.reply(200, b"hello world", [("X-Test", "yes"), ("X-Multi", "a"), ("X-Multi", "b")])
        elif self.path == "/echo":
            self.reply(200, data, [("X-Method", self.command),
                                   ("X-Content-Type", self.headers.get("Content-Type", "")),
                                   ("X-Custom", self.headers.get("X-Custom", ""))])
        elif self.path == "/binary":
            self.reply(200, b"ok\xff\xfe\xc3")
        elif parts[1] == "status":
            self.reply(int(parts[2]), ("status " + parts[2]).encode())
        elif parts[1] == "sleep":
            time.sleep(float(parts[2])); self.reply(200, b"slept")
        elif parts[1] == "big":
            self.reply(200, b"a" * int(parts[2]))
        else:
            self.reply(404, b"no such path")
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

s = S(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
)PY";

class TestHttpServer {
 public:
  TestHttpServer() {
    char path[] = "/tmp/conveyor_test_http_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    script_ = path;
    std::string text = kTestHttpServerScript;
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      throw std::runtime_error("could not write the test server script");
    }
    close(fd);
    Spawn();
  }
  ~TestHttpServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    unlink(script_.c_str());
  }
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  void Spawn() {
    pid_ = SpawnPortPrinter({"python3", script_}, "the HTTP test server printed no port", &port_);
  }

  std::string script_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace conveyor
