// The crash harness (see crash_harness.h): child processes, random SIGKILLs,
// and the checks run on the store each kill leaves behind.
#include "tests/crash/crash_harness.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "tests/crash/crash_rows.h"

#include "liqdb/store.h"

namespace liqdb::crash {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// ---- child processes ------------------------------------------------------

struct Child {
  pid_t pid = -1;
  int in_fd = -1;   // its standard input, when piped
  int out_fd = -1;  // its standard output, when piped
  bool exited = false;
  int status = 0;  // waitpid status once exited
};

// Starts argv[0] with stdin/stdout piped when asked (else /dev/null) and
// stderr appended to `stderr_path`.
Child Spawn(const std::vector<std::string>& argv, bool pipe_in, bool pipe_out,
            const std::string& stderr_path) {
  int in[2] = {-1, -1}, out[2] = {-1, -1};
  if (pipe_in && ::pipe(in) != 0) return {};
  if (pipe_out && ::pipe(out) != 0) return {};
  // Everything the child needs is prepared before fork(): between fork and
  // exec it only calls async-signal-safe functions (RocksDB threads may be
  // running in this process).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const char* err_path = stderr_path.c_str();
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    const int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(pipe_in ? in[0] : devnull, 0);
    ::dup2(pipe_out ? out[1] : devnull, 1);
    const int err = ::open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(err >= 0 ? err : devnull, 2);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  if (pipe_in) {
    ::close(in[0]);
    c.in_fd = in[1];
    ::fcntl(c.in_fd, F_SETFL, O_NONBLOCK);
  }
  if (pipe_out) {
    ::close(out[1]);
    c.out_fd = out[0];
  }
  return c;
}

// Reads what is available on the child's stdout into `buf`; false at EOF.
bool Drain(Child* c, std::string* buf, int timeout_ms) {
  if (c->out_fd < 0) {
    if (timeout_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    return false;
  }
  pollfd p{c->out_fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return true;
  char tmp[4096];
  const ssize_t n = ::read(c->out_fd, tmp, sizeof tmp);
  if (n <= 0) return false;
  buf->append(tmp, static_cast<size_t>(n));
  return true;
}

void CloseIn(Child* c) {
  if (c->in_fd >= 0) ::close(c->in_fd);
  c->in_fd = -1;
}

bool Reap(Child* c, bool block) {
  if (c->exited) return true;
  int st = 0;
  const pid_t r = ::waitpid(c->pid, &st, block ? 0 : WNOHANG);
  if (r == c->pid) {
    c->exited = true;
    c->status = st;
  }
  return c->exited;
}

// Lets the child run until `deadline` (feeding it through `feed`, called
// often, when given), then kills it unless it has exited. Collects its whole
// stdout. Returns true when the kill hit a running process.
bool RunAndKill(Child* c, Clock::time_point deadline, std::string* out, const std::function<void()>& feed) {
  while (Clock::now() < deadline && !Reap(c, false)) {
    if (feed) feed();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    Drain(c, out, static_cast<int>(std::clamp<int64_t>(left, 0, 2)));
  }
  bool killed = false;
  if (!Reap(c, false)) {
    ::kill(c->pid, SIGKILL);
    killed = true;
  }
  Reap(c, true);
  // A process that exited on its own in the last moment was not killed.
  if (killed && !(WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGKILL)) killed = false;
  CloseIn(c);
  while (Drain(c, out, 1000)) {
  }
  if (c->out_fd >= 0) ::close(c->out_fd);
  c->out_fd = -1;
  return killed;
}

// Runs to the end (at most `timeout_s`); the exit code, or -1.
int RunToEnd(Child* c, double timeout_s, std::string* out) {
  const auto start = Clock::now();
  CloseIn(c);
  while (!Reap(c, false)) {
    if (Seconds(start) > timeout_s) {
      ::kill(c->pid, SIGKILL);
      Reap(c, true);
      return -1;
    }
    if (!Drain(c, out, 5)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  while (Drain(c, out, 100)) {
  }
  if (c->out_fd >= 0) ::close(c->out_fd);
  c->out_fd = -1;
  return WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
}

std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > 600) s = "…" + s.substr(s.size() - 600);
  for (char& ch : s) {
    if (ch == '\n') ch = '|';
  }
  return s;
}

}  // namespace

CheckResult CheckStore(const std::string& path, const Expect& e) {
  CheckResult r;
  bool any_acked = false;
  for (uint8_t s : e.state) any_acked |= s == kAcked;
  if (!fs::exists(fs::path(path) / "CURRENT")) {
    r.missing_store = true;
    if (any_acked) r.failure = "the store is gone (no CURRENT) though groups were acknowledged";
    return r;
  }
  StoreOptions o;
  o.mode = StoreOptions::Mode::kReadWrite;
  o.create_if_missing = false;
  auto opened = Store::Open(path, o);
  if (!opened.ok()) {
    r.failure = "open: " + opened.status().ToString();
    return r;
  }
  std::shared_ptr<Store> store = *opened;
  std::string bad;
  Status v = store->Verify([&](const std::string& m) { bad += m + "; "; });
  if (!v.ok()) {
    r.failure = "Verify: " + v.ToString() + " " + bad;
    return r;
  }
  auto reader = store->ReadChunks(Kind::kLiquidations, {}, kMinTimestamp, kMaxTimestamp);
  if (!reader.ok()) {
    r.failure = "ReadChunks: " + reader.status().ToString();
    return r;
  }
  std::vector<uint8_t> seen(e.state.size() * kGroupRows, 0);
  std::map<SeriesKey, Timestamp> last_max;
  std::ostringstream why;
  int problems = 0;
  auto note = [&](const std::string& m) {
    if (problems++ < 5) why << m << "; ";
  };
  for (ChunkReader& c = **reader; c.Valid(); c.Next()) {
    const ChunkMeta& m = c.meta();
    ++r.chunks;
    if (!m.sealed) ++r.staged_chunks;
    auto lm = last_max.find(c.series());
    if (lm != last_max.end() && m.min_ts <= lm->second) r.overlapping = true;
    last_max[c.series()] = lm == last_max.end() ? m.max_ts : std::max(lm->second, m.max_ts);
    Columns cols(Kind::kLiquidations);
    Status s = c.Decode(kAllColumns, &cols);
    if (!s.ok()) {
      note("decode: " + s.ToString());
      continue;
    }
    for (size_t k = 0; k < cols.ts.size(); ++k) {
      ++r.rows;
      const Timestamp ts = cols.ts[k];
      const int64_t g = (ts - kT0) / kGroupStep;
      const double price = cols.values[0][k];
      const int i = static_cast<int>(price - 100.0);
      if (ts < kT0 || (ts - kT0) % kGroupStep != 0 || i < 0 || i >= kGroupRows || RowPrice(i) != price ||
          e.Get(g) == kNever) {
        note("a row that was never written: ts " + std::to_string(ts) + " price " + std::to_string(price));
        continue;
      }
      if (cols.values[1][k] != GroupQty(g) || cols.values[2][k] != price * GroupQty(g) ||
          cols.side[k] != static_cast<uint8_t>(RowSide(i)) || !(c.series() == RowSeries(e.layout, g, i))) {
        note("group " + std::to_string(g) + " row " + std::to_string(i) + " has wrong values or series");
        continue;
      }
      ++seen[static_cast<size_t>(g) * kGroupRows + i];
    }
  }
  for (size_t g = 0; g < e.state.size(); ++g) {
    int whole = 0;
    for (int i = 0; i < kGroupRows; ++i) {
      const uint8_t n = seen[g * kGroupRows + i];
      if (n > 1)
        note("group " + std::to_string(g) + " row " + std::to_string(i) + " stored " + std::to_string(n) +
             " times");
      whole += n > 0;
    }
    const auto st = static_cast<GroupState>(e.state[g]);
    if (whole != 0 && whole != kGroupRows) {
      note("group " + std::to_string(g) + " is half there (" + std::to_string(whole) + " of " +
           std::to_string(kGroupRows) + " rows)");
    } else if (st == kAcked && whole == 0) {
      note("acknowledged group " + std::to_string(g) + " is missing");
    } else if (st == kAbsent && whole != 0) {
      note("group " + std::to_string(g) + " was rolled back or never sent, yet is stored");
    }
    if (whole == kGroupRows) {
      r.present.push_back(static_cast<int64_t>(g));
      if (st == kAcked) ++r.acked;
    }
  }
  if (problems > 0) r.failure = std::to_string(problems) + " problem(s): " + why.str();
  return r;
}

namespace {

// ---- inputs ----------------------------------------------------------------

// liqdb CSV lines (headerless liquidations) of groups [from, to).
std::string CsvGroups(int64_t from, int64_t to, Layout layout) {
  std::string s;
  char line[160];
  for (int64_t g = from; g < to; ++g) {
    for (int i = 0; i < kGroupRows; ++i) {
      const SeriesKey k = RowSeries(layout, g, i);
      std::snprintf(line, sizeof line, "%lld,%s,%s,%s,%.17g,%.17g,%.17g\n",
                    static_cast<long long>(GroupTs(g)), k.exchange.c_str(), k.symbol.c_str(),
                    SideName(RowSide(i)), RowPrice(i), GroupQty(g), RowPrice(i) * GroupQty(g));
      s += line;
    }
  }
  return s;
}

// ---- the harness -------------------------------------------------------------

struct KindState {
  std::string name;
  std::string store;
  Expect expect;
  int64_t next = 0;  // next group to write
  int since_reset = 0;
  // seal/compact/ingest-file: how long an uninterrupted run takes. Starts
  // from a timed run and shrinks to the delay of any kill that came after
  // the process had already finished, so kills keep landing mid-run.
  double calibrated_s = 0;
};

class Harness {
 public:
  explicit Harness(const CrashOptions& o) : o_(o), rng_(o.seed) {}

  CrashReport Run() {
    const auto start = Clock::now();
    std::error_code ec;
    fs::remove_all(o_.work_dir, ec);
    fs::create_directories(o_.work_dir);
    log_ = (fs::path(o_.work_dir) / "children.log").string();
    std::vector<KindState> kinds;
    for (const auto& k : o_.kinds) {
      KindState s;
      s.name = k;
      kinds.push_back(std::move(s));
    }
    for (auto& k : kinds) {
      std::string f = Reset(&k);
      if (!f.empty()) report_.failures.push_back(k.name + ": setup: " + f);
    }
    if (!report_.failures.empty()) return report_;
    for (int n = 0; n < o_.kills; ++n) {
      KindState& k = kinds[static_cast<size_t>(n) % kinds.size()];
      KindTally& t = report_.kinds[k.name];
      ++t.kills;
      const auto it_start = Clock::now();
      std::string detail;
      std::string f = Once(&k, &t, &detail);
      if (f.empty()) {
        ++t.survived;
      } else {
        report_.failures.push_back(k.name + " kill " + std::to_string(n) + ": " + f);
        k.since_reset = 1 << 20;  // start that kind afresh
      }
      if (o_.log) {
        char line[256];
        std::snprintf(line, sizeof line, "kill %d %-12s %s %.2fs %s", n, k.name.c_str(), detail.c_str(),
                      Seconds(it_start), f.empty() ? "ok" : "FAILED");
        o_.log(line);
      }
      if (++k.since_reset >= kResetEvery) {
        f = Reset(&k);
        if (!f.empty()) report_.failures.push_back(k.name + ": reset: " + f);
      }
    }
    report_.seconds = Seconds(start);
    return report_;
  }

 private:
  static constexpr int kResetEvery = 8;          // kills on one store before a fresh one
  static constexpr int64_t kFileGroups = 30000;  // ingest-file: groups per file
  static constexpr int64_t kTemplateGroups = 24000;

  void Log(const std::string& line) const {
    if (o_.log) o_.log(line);
  }

  int64_t Uniform(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng_); }

  std::string Path(const std::string& name) const { return (fs::path(o_.work_dir) / name).string(); }

  // A fresh store for kind k (seal/compact: a fresh copy of the template).
  std::string Reset(KindState* k) {
    std::error_code ec;
    k->store = Path(k->name + "-store-" + std::to_string(stores_++));
    fs::remove_all(k->store, ec);
    k->expect = Expect();
    k->next = 0;
    k->since_reset = 0;
    if (k->name == "ingest-file" || k->name == "ingest-stdin") k->expect.layout = Layout::kAlternate;
    if (k->name == "seal" || k->name == "compact") {
      if (std::string f = EnsureTemplate(); !f.empty()) return f;
      k->expect.layout = Layout::kMany;
      for (int64_t g = 0; g < kTemplateGroups; ++g) k->expect.Set(g, kAcked);
      if (k->calibrated_s == 0) {
        const auto t0 = Clock::now();
        fs::copy(template_, k->store, fs::copy_options::recursive, ec);
        if (ec) return "copy template: " + ec.message();
        std::string out;
        Child c = Spawn({o_.cli_path, k->name, "--store", k->store}, false, false, log_);
        const int rc = RunToEnd(&c, 120, &out);
        if (rc != 0) return "calibration run of liqdb " + k->name + " exited " + std::to_string(rc);
        k->calibrated_s = Seconds(t0);
        fs::remove_all(k->store, ec);
        Log("calibrated: liqdb " + k->name + " of the template store takes " +
            std::to_string(k->calibrated_s) + " s");
      }
    }
    if (k->name == "ingest-file" && k->calibrated_s == 0) {
      const std::string file = Path("calibrate.csv");
      std::ofstream(file) << CsvGroups(0, kFileGroups, Layout::kAlternate);
      const auto t0 = Clock::now();
      std::string out;
      Child c = Spawn(IngestArgs(Path("calibrate-store"), file), false, false, log_);
      const int rc = RunToEnd(&c, 120, &out);
      if (rc != 0) return "calibration ingest exited " + std::to_string(rc);
      k->calibrated_s = Seconds(t0);
      Log("calibrated: liqdb ingest of one file takes " + std::to_string(k->calibrated_s) + " s");
      fs::remove_all(Path("calibrate-store"), ec);
      fs::remove(file, ec);
    }
    return "";
  }

  std::vector<std::string> IngestArgs(const std::string& store, const std::string& input) const {
    return {o_.cli_path, "ingest",       "--store",      store,   "--format", "csv",
            "--kind",    "liquidations", "--batch-rows", "20000", input};
  }

  // A store with staged chunks and overlapping sealed chunks in 24 series:
  // blocks of groups appended even blocks first, then odd ones, with small
  // chunks so that the sealer runs and later blocks fall inside sealed ranges.
  std::string EnsureTemplate() {
    if (!template_.empty()) return "";
    const std::string path = Path("template");
    StoreOptions o;
    o.mode = StoreOptions::Mode::kReadWrite;
    o.sync = false;
    o.chunk_rows = 2048;
    {
      auto store = Store::Open(path, o);
      if (!store.ok()) return "template: " + store.status().ToString();
      constexpr int64_t kBlock = 240;  // groups per append
      for (int pass = 0; pass < 2; ++pass) {
        for (int64_t b = pass; b * kBlock < kTemplateGroups; b += 2) {
          std::map<SeriesKey, Columns> by_series;
          for (int64_t g = b * kBlock; g < std::min(kTemplateGroups, (b + 1) * kBlock); ++g) {
            for (int i = 0; i < kGroupRows; ++i) {
              auto [it, _] = by_series.try_emplace(RowSeries(Layout::kMany, g, i), Kind::kLiquidations);
              it->second.AddLiquidation(GroupTs(g), RowSide(i), RowPrice(i), GroupQty(g),
                                        RowPrice(i) * GroupQty(g));
            }
          }
          std::vector<SeriesBatch> batches;
          for (auto& [key, cols] : by_series) batches.push_back({key, std::move(cols)});
          auto r = (*store)->AppendAll(batches);
          if (!r.ok()) return "template append: " + r.status().ToString();
        }
      }
    }
    template_ = path;
    Expect all;
    all.layout = Layout::kMany;
    for (int64_t g = 0; g < kTemplateGroups; ++g) all.Set(g, kAcked);
    CheckResult c = CheckStore(path, all);
    if (!c.failure.empty()) return "template check: " + c.failure;
    if (c.staged_chunks == 0 || !c.overlapping) return "template has no staged or no overlapping chunks";
    template_chunks_ = c.chunks;
    template_staged_ = c.staged_chunks;
    return "";
  }

  // Checks k's store; on success promotes the groups found to acknowledged
  // and forgets in-flight groups that did not make it.
  std::string CheckAndSettle(KindState* k, KindTally* t, CheckResult* out = nullptr) {
    CheckResult c = CheckStore(k->store, k->expect);
    t->rows_checked += c.rows;
    t->groups_acked += c.acked;
    if (!c.failure.empty()) return c.failure;
    if (++checks_ % 4 == 0 && !c.missing_store) {
      std::string o;
      Child v = Spawn({o_.cli_path, "verify", "--store", k->store}, false, true, log_);
      const int rc = RunToEnd(&v, 120, &o);
      if (rc != 0) return "liqdb verify exited " + std::to_string(rc) + ": " + o + " " + Tail(log_);
    }
    for (int64_t g : c.present) k->expect.Set(g, kAcked);
    for (auto& s : k->expect.state) {
      if (s == kMaybe) s = kNever;
    }
    if (out) *out = std::move(c);
    return "";
  }

  std::string Once(KindState* k, KindTally* t, std::string* detail) {
    if (k->name == "api" || k->name == "sql") return OnceWriter(k, t, detail);
    if (k->name == "ingest-file") return OnceIngestFile(k, t, detail);
    if (k->name == "ingest-stdin") return OnceIngestStdin(k, t, detail);
    if (k->name == "seal" || k->name == "compact") return OnceMaintenance(k, t, detail);
    return "unknown writer kind";
  }

  std::string OnceWriter(KindState* k, KindTally* t, std::string* detail) {
    const bool sql = k->name == "sql";
    std::vector<std::string> argv = {o_.writer_path, k->name, k->store};
    if (sql) argv.push_back(Path("sql-writer.sqlite"));
    argv.push_back(std::to_string(k->next));
    const int64_t delay_ms = Uniform(0, 700);
    Child c = Spawn(argv, false, true, log_);
    std::string out;
    const bool mid = RunAndKill(&c, Clock::now() + std::chrono::milliseconds(delay_ms), &out, {});
    t->mid_run += mid;
    if (!mid) return "the writer exited on its own: " + Tail(log_);
    // Parse the acknowledgements; a partial last line is not one.
    int64_t last = k->next - 1;
    std::istringstream in(out.substr(0, out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1));
    std::string word;
    long long g = 0;
    int acks = 0;
    while (in >> word >> g) {
      if (g != last + 1) return "the writer acknowledged group " + std::to_string(g) + " out of turn";
      k->expect.Set(g, word == "ack" ? kAcked : kAbsent);
      acks += word == "ack";
      last = g;
    }
    // The group in flight may or may not be there (never half).
    const int64_t flight = last + 1;
    k->expect.Set(flight, sql && flight % 7 == 3 ? kAbsent : kMaybe);
    *detail = "after " + std::to_string(delay_ms) + "ms, " + std::to_string(acks) + " acks";
    std::string f = CheckAndSettle(k, t);
    if (!f.empty()) return f + " | " + Tail(log_);
    if (k->expect.Get(flight) == kAcked) ++last;
    if (k->expect.Get(flight) == kNever) k->expect.state.resize(static_cast<size_t>(flight));
    k->next = last + 1;
    return "";
  }

  std::string OnceIngestFile(KindState* k, KindTally* t, std::string* detail) {
    const int64_t from = k->next, to = k->next + kFileGroups;
    const std::string file = Path("ingest-file.csv");
    std::ofstream(file) << CsvGroups(from, to, Layout::kAlternate);
    for (int64_t g = from; g < to; ++g) k->expect.Set(g, kMaybe);
    const auto delay = std::chrono::microseconds(Uniform(0, static_cast<int64_t>(k->calibrated_s * 1.1e6)));
    Child c = Spawn(IngestArgs(k->store, file), false, false, log_);
    std::string out;
    const bool mid = RunAndKill(&c, Clock::now() + delay, &out, {});
    t->mid_run += mid;
    if (!mid) k->calibrated_s = std::min(k->calibrated_s, static_cast<double>(delay.count()) / 1e6);
    if (!mid) {
      if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) return "ingest failed: " + Tail(log_);
      for (int64_t g = from; g < to; ++g) k->expect.Set(g, kAcked);  // exit 0 acknowledges the file
    }
    CheckResult r;
    std::string f = CheckAndSettle(k, t, &r);
    if (!f.empty()) return "after the kill: " + f;
    const size_t got = static_cast<size_t>(
        std::count_if(r.present.begin(), r.present.end(), [&](int64_t g) { return g >= from && g < to; }));
    // The re-run completes the file: every row once.
    for (int64_t g = from; g < to; ++g) k->expect.Set(g, kAcked);
    Child again = Spawn(IngestArgs(k->store, file), false, false, log_);
    const int rc = RunToEnd(&again, 120, &out);
    if (rc != 0) return "re-run of ingest exited " + std::to_string(rc) + ": " + Tail(log_);
    f = CheckAndSettle(k, t);
    if (!f.empty()) return "after the re-run: " + f;
    k->next = to;
    *detail = "after " + std::to_string(delay.count() / 1000) + "ms, " + std::to_string(got) + "/" +
              std::to_string(kFileGroups) + " groups in";
    return "";
  }

  std::string OnceIngestStdin(KindState* k, KindTally* t, std::string* detail) {
    const int64_t from = k->next;
    int64_t fed = from;  // groups [from, fed) written to the pipe
    const int64_t delay_ms = Uniform(0, 1500);
    Child c =
        Spawn({o_.cli_path, "ingest", "--store", k->store, "--format", "csv", "--kind", "liquidations", "-"},
              true, false, log_);
    // Five groups (< PIPE_BUF bytes, so written whole or not at all) every 5 ms.
    auto next_feed = Clock::now();
    std::string pending;
    auto feed = [&] {
      if (c.in_fd < 0 || Clock::now() < next_feed) return;
      if (pending.empty()) pending = CsvGroups(fed, fed + 5, Layout::kAlternate);
      const ssize_t n = ::write(c.in_fd, pending.data(), pending.size());
      if (n == static_cast<ssize_t>(pending.size())) {
        for (int64_t g = fed; g < fed + 5; ++g) k->expect.Set(g, kMaybe);
        fed += 5;
        pending.clear();
        next_feed += std::chrono::milliseconds(5);
      }
    };
    std::string out;
    const bool mid = RunAndKill(&c, Clock::now() + std::chrono::milliseconds(delay_ms), &out, feed);
    t->mid_run += mid;
    if (!mid) return "ingest - exited before its input ended: " + Tail(log_);
    CheckResult r;
    std::string f = CheckAndSettle(k, t, &r);
    if (!f.empty()) return "after the kill: " + f;
    // What is stored of the fed groups is a prefix of them.
    int64_t expect = from;
    for (int64_t g : r.present) {
      if (g < from) continue;
      if (g != expect)
        return "stored groups are not a prefix of the feed: group " + std::to_string(expect) + " missing, " +
               std::to_string(g) + " there";
      ++expect;
    }
    // Feeding everything again to a new run completes it.
    for (int64_t g = from; g < fed; ++g) k->expect.Set(g, kAcked);
    Child again =
        Spawn({o_.cli_path, "ingest", "--store", k->store, "--format", "csv", "--kind", "liquidations", "-"},
              true, false, log_);
    ::fcntl(again.in_fd, F_SETFL, 0);
    const std::string all = CsvGroups(from, fed, Layout::kAlternate);
    for (size_t off = 0; off < all.size();) {
      const ssize_t n = ::write(again.in_fd, all.data() + off, all.size() - off);
      if (n <= 0) return "writing to the re-run failed";
      off += static_cast<size_t>(n);
    }
    const int rc = RunToEnd(&again, 120, &out);
    if (rc != 0) return "re-run of ingest - exited " + std::to_string(rc) + ": " + Tail(log_);
    f = CheckAndSettle(k, t);
    if (!f.empty()) return "after the re-run: " + f;
    *detail = "after " + std::to_string(delay_ms) + "ms, " + std::to_string(expect - from) + "/" +
              std::to_string(fed - from) + " fed groups in";
    k->next = fed;
    return "";
  }

  std::string OnceMaintenance(KindState* k, KindTally* t, std::string* detail) {
    std::error_code ec;
    fs::remove_all(k->store, ec);
    fs::copy(template_, k->store, fs::copy_options::recursive, ec);
    if (ec) return "copy template: " + ec.message();
    const auto delay = std::chrono::microseconds(Uniform(0, static_cast<int64_t>(k->calibrated_s * 1.1e6)));
    Child c = Spawn({o_.cli_path, k->name, "--store", k->store}, false, false, log_);
    std::string out;
    const bool mid = RunAndKill(&c, Clock::now() + delay, &out, {});
    t->mid_run += mid;
    if (!mid) k->calibrated_s = std::min(k->calibrated_s, static_cast<double>(delay.count()) / 1e6);
    if (!mid && (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)) {
      return "liqdb " + k->name + " failed: " + Tail(log_);
    }
    CheckResult r;
    std::string f = CheckAndSettle(k, t, &r);
    if (!f.empty()) return "after the kill: " + f;
    const uint64_t staged_after_kill = r.staged_chunks, chunks_after_kill = r.chunks;
    Child again = Spawn({o_.cli_path, k->name, "--store", k->store}, false, false, log_);
    const int rc = RunToEnd(&again, 120, &out);
    if (rc != 0) return "re-run of liqdb " + k->name + " exited " + std::to_string(rc);
    f = CheckAndSettle(k, t, &r);
    if (!f.empty()) return "after the re-run: " + f;
    if (r.staged_chunks != 0) return "staged chunks left after a complete " + k->name;
    if (k->name == "compact" && r.overlapping) return "overlapping chunks left after compact";
    *detail = "after " + std::to_string(delay.count() / 1000) + "ms: " + std::to_string(chunks_after_kill) +
              " chunks (" + std::to_string(staged_after_kill) + " staged) of the template's " +
              std::to_string(template_chunks_) + " (" + std::to_string(template_staged_) + "), " +
              std::to_string(r.chunks) + " after the re-run";
    return "";
  }

  CrashOptions o_;
  std::mt19937_64 rng_;
  CrashReport report_;
  std::string log_;
  std::string template_;
  uint64_t template_chunks_ = 0, template_staged_ = 0;
  int stores_ = 0;
  int checks_ = 0;
};

}  // namespace

CrashReport RunCrashHarness(const CrashOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);  // a killed ingest closes the pipe we feed
  return Harness(options).Run();
}

std::string FormatReport(const CrashReport& report) {
  std::ostringstream s;
  char line[200];
  std::snprintf(line, sizeof line, "%-13s %6s %8s %9s %13s %14s\n", "writer", "kills", "mid-run", "survived",
                "rows checked", "groups found");
  s << line;
  int kills = 0, survived = 0;
  uint64_t rows = 0;
  for (const auto& [name, t] : report.kinds) {
    std::snprintf(line, sizeof line, "%-13s %6d %8d %9d %13llu %14llu\n", name.c_str(), t.kills, t.mid_run,
                  t.survived, static_cast<unsigned long long>(t.rows_checked),
                  static_cast<unsigned long long>(t.groups_acked));
    s << line;
    kills += t.kills;
    survived += t.survived;
    rows += t.rows_checked;
  }
  std::snprintf(line, sizeof line, "%-13s %6d %8s %9d %13llu   in %.0f s\n", "total", kills, "", survived,
                static_cast<unsigned long long>(rows), report.seconds);
  s << line;
  for (const auto& f : report.failures) s << "FAILED " << f << "\n";
  return s.str();
}

}  // namespace liqdb::crash
