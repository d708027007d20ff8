#include "handlers/command_handler.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_context.h"

namespace conveyor {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

class CommandHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/conveyor-cmd-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = fs::canonical(tmpl).string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text, bool executable = false) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    if (executable) chmod(path.c_str(), 0755);
    return path;
  }
  std::string Script(const std::string& body) {
    return Write("script" + std::to_string(++scripts_), body, /*executable=*/true);
  }
  CommandSpec Spec(const std::string& executable) {
    CommandSpec spec;
    spec.name = "test";
    spec.executable = executable;
    spec.kill_grace = milliseconds(300);
    return spec;
  }
  static Result<std::string> RunWith(const CommandSpec& spec, TestContext& ctx) {
    CommandHandler h(spec);
    return h.Run(ctx);
  }
  // The pid a script wrote to `file`, waiting up to 5 s for it to appear.
  pid_t WaitForPid(const std::string& file) {
    for (int i = 0; i < 500; ++i) {
      std::ifstream in(file);
      pid_t pid = 0;
      if (in >> pid && pid > 0) return pid;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return 0;
  }
  static bool Gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

  std::string dir_;
  int scripts_ = 0;
};

TEST_F(CommandHandlerTest, TypeIsCommandDotNameAndAnyPayloadIsValid) {
  CommandHandler h(Spec("/bin/cat"));
  EXPECT_EQ(h.type(), "command.test");
  EXPECT_TRUE(h.ValidatePayload(json::parse("[1, \"x\"]")).ok());
  EXPECT_TRUE(h.ValidatePayload(json::parse("null")).ok());
}

TEST_F(CommandHandlerTest, PayloadOnStdinResultFromStdout) {
  const std::string exe = Script(
      "#!/usr/bin/python3\nimport json, sys\n"
      "d = json.load(sys.stdin)\nprint(json.dumps({'got': d, 'n': 2}))\n");
  TestContext ctx(R"({"x": [1, 2, "é"]})");
  Result<std::string> r = RunWith(Spec(exe), ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r), json::parse(R"({"got": {"x": [1, 2, "é"]}, "n": 2})"));
}

TEST_F(CommandHandlerTest, EmptyStdoutIsNull) {
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\ncat >/dev/null\n")), ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "null");
}

TEST_F(CommandHandlerTest, ChildThatIgnoresALargePayloadDoesNotSigpipeUs) {
  TestContext ctx("\"" + std::string(1 << 20, 'a') + "\"");
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\necho '{\"ok\": true}'\n")), ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(json::parse(*r), json::parse(R"({"ok": true})"));
}

TEST_F(CommandHandlerTest, NonZeroExitIsRetryableWithTheStderrTail) {
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\necho boom >&2\nexit 3\n")), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "command.test exited with status 3: boom");
}

TEST_F(CommandHandlerTest, OnlyTheLastFourKiBOfStderrAreKept) {
  TestContext ctx("{}");
  const std::string exe = Script(
      "#!/usr/bin/python3\nimport sys\nsys.stderr.write('x' * 100000 + 'THE END')\n"
      "sys.exit(1)\n");
  Result<std::string> r = RunWith(Spec(exe), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_LE(r.status().message().size(), kCommandStderrTailBytes + 100);
  EXPECT_TRUE(r.status().message().ends_with("xxTHE END")) << r.status().message().substr(0, 80);
}

TEST_F(CommandHandlerTest, KilledBySignalIsRetryable) {
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\nkill -KILL $$\n")), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(), "command.test killed by signal 9");
}

TEST_F(CommandHandlerTest, StdoutThatIsNotJsonIsPermanent) {
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\necho hello world\n")), ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "command.test printed something that is not JSON: hello world\n");
}

TEST_F(CommandHandlerTest, OutputOverTheLimitIsPermanent) {
  CommandSpec spec = Spec(Script("#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' a\n"));
  spec.max_output_bytes = 100;
  TestContext ctx("{}");
  Result<std::string> r = RunWith(spec, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "command.test output over 100 bytes");
}

TEST_F(CommandHandlerTest, TimeoutKillsTheChild) {
  const std::string pid_file = dir_ + "/pid";
  CommandSpec spec = Spec(Script("#!/bin/sh\necho $$ > " + pid_file + "\nsleep 30\n"));
  spec.timeout_s = 1;
  TestContext ctx("{}");
  const auto start = steady_clock::now();
  Result<std::string> r = RunWith(spec, ctx);
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "command.test timed out after 1 s");
  const pid_t pid = WaitForPid(pid_file);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(Gone(pid));
}

TEST_F(CommandHandlerTest, TheJobsTimeoutAppliesWhenTheCommandHasNone) {
  TestContext ctx("{}");
  const_cast<Job&>(ctx.job()).timeout_s = 1;
  Result<std::string> r = RunWith(Spec(Script("#!/bin/sh\nsleep 30\n")), ctx);
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(CommandHandlerTest, CancelKillsEvenAChildThatTrapsSigterm) {
  const std::string pid_file = dir_ + "/pid";
  const std::string exe = Script(
      "#!/usr/bin/python3\nimport os, signal, time\n"
      "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
      "open('" +
      pid_file +
      ".tmp', 'w').write(str(os.getpid()))\n"
      "os.rename('" +
      pid_file + ".tmp', '" + pid_file +
      "')\n"
      "time.sleep(60)\n");
  TestContext ctx("{}");
  pid_t pid = 0;
  std::thread canceller([&] {
    pid = WaitForPid(pid_file);
    ctx.cancelled = true;
  });
  const auto start = steady_clock::now();
  Result<std::string> r = RunWith(Spec(exe), ctx);
  canceller.join();
  EXPECT_LT(steady_clock::now() - start, milliseconds(5000));
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled) << r.status().ToString();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(Gone(pid));
}

TEST_F(CommandHandlerTest, OnlyTheDeclaredEnvAndWorkingDir) {
  fs::create_directory(dir_ + "/work");
  CommandSpec spec = Spec(
      Script("#!/bin/sh\nprintf '{\"foo\":\"%s\",\"path\":\"%s\",\"home\":\"%s\",\"cwd\":\"%s\"}' "
             "\"$FOO\" \"$PATH\" \"${HOME:-}\" \"$(pwd)\"\n"));
  spec.env = {{"FOO", "bar baz"}};
  spec.working_dir = dir_ + "/work";
  setenv("HOME", "/root", 1);
  TestContext ctx("{}");
  Result<std::string> r = RunWith(spec, ctx);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  json::value v = json::parse(*r);
  EXPECT_EQ(v.at("foo"), "bar baz");
  EXPECT_EQ(v.at("path"), "/usr/bin:/bin");
  EXPECT_EQ(v.at("home"), "");
  EXPECT_EQ(v.at("cwd"), json::string(dir_ + "/work"));
}

TEST_F(CommandHandlerTest, TheChildInheritsNoOtherFileDescriptor) {
  // Deliberately without O_CLOEXEC, and above the fd listdir opens in the child.
  const int null_fd = open("/dev/null", O_RDONLY);
  const int leaky = fcntl(null_fd, F_DUPFD, 50);
  close(null_fd);
  ASSERT_GE(leaky, 50);
  const std::string exe = Script(
      "#!/usr/bin/python3\nimport json, os\n"
      "print(json.dumps(sorted(int(f) for f in os.listdir('/proc/self/fd'))))\n");
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(exe), ctx);
  close(leaky);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 0-2 and the descriptor listdir itself opened
  const json::value fds = json::parse(*r);
  EXPECT_LE(fds.as_array().size(), 4u) << *r;
  for (const json::value& fd : fds.as_array()) EXPECT_NE(fd.to_number<int>(), leaky);
}

TEST_F(CommandHandlerTest, AnExecutableThatCannotRunIsPermanent) {
  TestContext ctx("{}");
  Result<std::string> r = RunWith(Spec(dir_ + "/missing"), ctx);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("cannot run"), std::string::npos) << r.status().message();
}

// ---- LoadCommandsFile ----

TEST_F(CommandHandlerTest, LoadsACommandsFile) {
  const std::string path = Write("cmds.json", R"({"commands": {
      "echo": {"executable": "/bin/cat"},
      "py": {"executable": "/usr/bin/python3", "args": ["-c", "pass"], "env": {"A": "b"},
             "working_dir": "/tmp", "timeout_s": 60, "max_output_bytes": 4096}}})");
  Result<std::vector<CommandSpec>> r = LoadCommandsFile(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  const CommandSpec& py = (*r)[1];
  EXPECT_EQ((*r)[0].name, "echo");
  EXPECT_EQ(py.name, "py");
  EXPECT_EQ(py.executable, "/usr/bin/python3");
  EXPECT_EQ(py.args, (std::vector<std::string>{"-c", "pass"}));
  EXPECT_EQ(py.env.at("A"), "b");
  EXPECT_EQ(py.working_dir, "/tmp");
  EXPECT_EQ(py.timeout_s, 60);
  EXPECT_EQ(py.max_output_bytes, 4096u);
}

TEST_F(CommandHandlerTest, CommandsFileErrorsNameTheFileAndTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {"[1,", "not valid JSON"},
      {"[]", "\"commands\" object"},
      {R"({"commands": []})", "\"commands\" object"},
      {R"({"commands": {"a b": {"executable": "/bin/cat"}}})", "command name 'a b'"},
      {R"({"commands": {"x": 1}})", "commands.x must be an object"},
      {R"({"commands": {"x": {}}})", "commands.x.executable is required"},
      {R"({"commands": {"x": {"executable": "cat"}}})",
       "commands.x.executable must be an absolute"},
      {R"({"commands": {"x": {"executable": "/nope/cat"}}})", "is not an executable file"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "args": [1]}}})", "commands.x.args must"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "env": {"A": 1}}}})", "commands.x.env.A"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "env": {"A=B": "1"}}}})", "bad variable"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "working_dir": "rel"}}})",
       "commands.x.working_dir must be an absolute path"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "timeout_s": -1}}})",
       "commands.x.timeout_s must be a whole number"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "timeout_s": 1.5}}})",
       "commands.x.timeout_s must be a whole number"},
      {R"({"commands": {"x": {"executable": "/bin/cat", "exe": "/bin/cat"}}})",
       "commands.x.exe is not a known field"},
  };
  for (const auto& [text, want] : cases) {
    const std::string path = Write("bad.json", text);
    Result<std::vector<CommandSpec>> r = LoadCommandsFile(path);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(r.status().message().starts_with(path + ": ")) << r.status().message();
    EXPECT_NE(r.status().message().find(want), std::string::npos)
        << text << " → " << r.status().message();
  }
  Result<std::vector<CommandSpec>> missing = LoadCommandsFile(dir_ + "/none.json");
  EXPECT_NE(missing.status().message().find("cannot read"), std::string::npos);
}

}  // namespace
}  // namespace conveyor
