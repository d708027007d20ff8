// TestSmtpServer: a real SMTP server for mail tests — Debian's python3-aiosmtpd, run by a small
// script written to a temp dir as a child process on port 0; the port is read back from its first
// line of output. Every accepted message is recorded in the temp dir as <n>.eml (the DATA as
// received, dot-stuffing undone), <n>.env (MAIL FROM, then one RCPT per line) and <n>.subject
// (the Subject decoded by Python's e-mail parser). Recipients containing:
//   "tempfail"  are answered 451 (try again later)
//   "reject"    are answered 550 (no such user)
//   "slow"      get their answer after 30 seconds (timeouts, cancellation)
// One per test fixture; the destructor kills and reaps the child and removes the dir.
// Needs /usr/bin/python3 with aiosmtpd (Makefile DEBIAN_PACKAGES). Not thread-safe itself.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "outbound/test_port_printer.h"

namespace conveyor {

inline constexpr const char* kTestSmtpServerScript = R"PY(
import asyncio, email, email.policy, os, sys
from aiosmtpd.smtp import SMTP

out = sys.argv[1]

class Recorder:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "slow" in address:
            await asyncio.sleep(30)
        if "tempfail" in address:
            return "451 4.3.0 mailbox busy, try again later"
        if "reject" in address:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(out) if f.endswith(".eml")])
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with open(os.path.join(out, "%d.subject" % n), "w", encoding="utf-8") as f:
            f.write(str(msg["subject"]))
        with open(os.path.join(out, "%d.env" % n), "w") as f:
            f.write("\n".join([envelope.mail_from] + envelope.rcpt_tos))
        # Written last: its appearance means the message is complete.
        with open(os.path.join(out, "%d.eml" % n), "wb") as f:
            f.write(envelope.original_content)
        return "250 2.0.0 queued"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(Recorder(), hostname="test.invalid"), "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()

asyncio.run(main())
)PY";

class TestSmtpServer {
 public:
  TestSmtpServer() {
    char dir[] = "/tmp/conveyor_test_smtp_XXXXXX";
    if (mkdtemp(dir) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = dir;
    std::ofstream(dir_ + "/server.py") << kTestSmtpServerScript;
    std::filesystem::create_directory(dir_ + "/mail");
    Spawn();
  }
  ~TestSmtpServer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    std::error_code ignored;  // a leftover temp dir is harmless
    std::filesystem::remove_all(dir_, ignored);
  }
  TestSmtpServer(const TestSmtpServer&) = delete;
  TestSmtpServer& operator=(const TestSmtpServer&) = delete;

  int port() const { return port_; }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

  // Recorded message n (0-based): "eml", "env" or "subject"; empty if there is none.
  std::string Read(int n, const std::string& what) const {
    std::ifstream in(dir_ + "/mail/" + std::to_string(n) + "." + what, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  int MessageCount() const {
    int n = 0;
    while (std::filesystem::exists(dir_ + "/mail/" + std::to_string(n) + ".eml")) ++n;
    return n;
  }

 private:
  void Spawn() {
    // Debian's interpreter on purpose: aiosmtpd comes from python3-aiosmtpd, and a python3
    // earlier on PATH (pyenv, venv) would not see it.
    pid_ = SpawnPortPrinter({"/usr/bin/python3", dir_ + "/server.py", dir_ + "/mail"},
                            "the SMTP test server printed no port (is python3-aiosmtpd installed?)",
                            &port_);
  }

  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace conveyor
