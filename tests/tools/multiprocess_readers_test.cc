// One writer and two reader processes on one store, started in every order.
//
// The readers are `sqlite3` shells (separate processes, the SQLite C API,
// liqdb.so loaded) over a .sqlite file that declares the table, polling
// `SELECT count(*) FROM liq`. The writer is this process through the C++ API
// (Store::AppendAll, sync), or `liqdb ingest -`; it writes transactions of
// kTx rows over two series. Whatever started first: the writer opens
// read-write, readers see each transaction within about a second without
// reopening, a reader's count never goes backwards and is always a whole
// number of transactions, and the readers put no file into the store folder.
// A second writer meanwhile is turned away with one sentence naming the
// writer's pid.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "test_util.h"

#include "liqdb/store.h"

namespace liqdb {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kTx = 5;             // rows per transaction
constexpr int kTransactions = 12;  // written while the readers poll
constexpr Timestamp kT0 = 1709251200000000;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Transaction j: kTx rows at one timestamp, alternately on two exchanges
// within the transaction (all-or-nothing across series).
std::vector<SeriesBatch> Transaction(int j) {
  std::vector<SeriesBatch> b = {{{"binance", "BTCUSDT"}, Columns(Kind::kLiquidations)},
                                {{"bybit", "BTCUSDT"}, Columns(Kind::kLiquidations)}};
  for (int i = 0; i < kTx; ++i) {
    const double price = 60000 + i;
    b[i % 2].rows.AddLiquidation(kT0 + j * 1000, i % 2 ? Side::kShort : Side::kLong, price, 0.5, price * 0.5);
  }
  return b;
}

// The same transaction as liqdb CSV lines (one series per transaction: a
// stream flush keeps one series' timestamp together).
std::string TransactionCsv(int j) {
  std::string s;
  for (int i = 0; i < kTx; ++i) {
    s += std::to_string(kT0 + j * 1000) + ",binance,BTCUSDT," + (i % 2 ? "short" : "long") + "," +
         std::to_string(60000 + i) + ",0.5," + std::to_string((60000 + i) / 2) + "\n";
  }
  return s;
}

// The environment for children. In a sanitizer build liqdb.so needs the
// sanitizer runtime loaded first, which the system's sqlite3 shell lacks:
// preload the one this process runs with (and leave leak checks to the
// instrumented binaries).
std::vector<std::string> ChildEnvironment() {
  std::vector<std::string> env;
  std::string asan;  // ASAN_OPTIONS=... as inherited, if at all
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "ASAN_OPTIONS=", 13) == 0) {
      asan = *e;
    } else if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0) {
      env.emplace_back(*e);
    }
  }
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const size_t at = line.find('/');
    if (at != std::string::npos &&
        (line.find("/libasan.so") != std::string::npos || line.find("/libtsan.so") != std::string::npos)) {
      env.push_back("LD_PRELOAD=" + line.substr(at));
      asan = asan.empty() ? "ASAN_OPTIONS=detect_leaks=0" : asan + ":detect_leaks=0";
      break;
    }
  }
  if (!asan.empty()) env.push_back(asan);
  return env;
}

// A child process with piped stdin and stdout (stderr joins stdout).
struct Proc {
  pid_t pid = -1;
  int in = -1, out = -1;
  std::string buf;

  static Proc Start(const std::vector<std::string>& argv) {
    int a[2], b[2];
    REQUIRE(::pipe(a) == 0);
    REQUIRE(::pipe(b) == 0);
    // Prepared before fork(): the child only calls async-signal-safe
    // functions until exec (this process runs RocksDB threads).
    std::vector<char*> args;
    for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
    args.push_back(nullptr);
    static const std::vector<std::string> env = ChildEnvironment();
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    Proc p;
    p.pid = ::fork();
    if (p.pid == 0) {
      ::dup2(a[0], 0);
      ::dup2(b[1], 1);
      ::dup2(b[1], 2);
      for (int fd = 3; fd < 1024; ++fd) ::close(fd);
      ::execvpe(args[0], args.data(), envp.data());
      ::_exit(127);
    }
    ::close(a[0]);
    ::close(b[1]);
    p.in = a[1];
    p.out = b[0];
    return p;
  }
  // Writes all of `s`; false when the process has closed its input.
  bool Send(const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::write(in, s.data() + off, s.size() - off);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Everything it still prints until it exits (20 s at most).
  std::string Rest() {
    std::string all;
    for (bool ok = true; ok;) all += Line(&ok) + " ";
    return all;
  }
  // The next line of output; "" with *ok = false after 20 s or at EOF.
  std::string Line(bool* ok) {
    const auto start = Clock::now();
    for (;;) {
      const size_t nl = buf.find('\n');
      if (nl != std::string::npos) {
        std::string l = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        *ok = true;
        return l;
      }
      pollfd pf{out, POLLIN, 0};
      if (Since(start) > 20 || ::poll(&pf, 1, 100) < 0) break;
      if (pf.revents == 0) continue;
      char tmp[4096];
      const ssize_t n = ::read(out, tmp, sizeof tmp);
      if (n <= 0) break;
      buf.append(tmp, static_cast<size_t>(n));
    }
    *ok = false;
    return "";
  }
  // Closes stdin and waits (20 s at most); the exit status, -1 if killed.
  int Finish() {
    if (in >= 0) ::close(in);
    in = -1;
    int st = 0;
    const auto start = Clock::now();
    while (::waitpid(pid, &st, WNOHANG) == 0) {
      if (Since(start) > 20) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &st, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (out >= 0) ::close(out);
    out = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
};

// A `sqlite3` shell with liqdb.so loaded over the declaring .sqlite file.
class Reader {
 public:
  explicit Reader(const std::string& db) {
    p_ = Proc::Start({"sqlite3", "-batch", db});
    REQUIRE(p_.Send(std::string(".load ") + LIQDB_EXTENSION_PATH + "\n"));
  }
  ~Reader() {
    if (p_.in >= 0 && ::write(p_.in, ".quit\n", 6) < 0) {
      // already gone: Finish reaps it
    }
    p_.Finish();
  }
  // count(*) of the table, or -1 with the shell's output in *error.
  int64_t Count(std::string* error) {
    if (!p_.Send("SELECT count(*) FROM liq;\nSELECT 'end-of-answer';\n")) {
      *error = "the shell has gone: " + p_.Rest();
      return -1;
    }
    std::string said;
    int64_t n = -1;
    for (bool ok = true;;) {
      const std::string l = p_.Line(&ok);
      if (!ok || l == "end-of-answer") break;
      if (n < 0 && !l.empty() && l.find_first_not_of("0123456789") == std::string::npos) {
        n = std::stoll(l);
      } else {
        said += l + " ";
      }
    }
    if (n < 0) *error = said.empty() ? "no answer" : said;
    return n;
  }

 private:
  Proc p_;
};

// Every file in the folder with its size and modification time.
using Files = std::map<std::string, std::pair<uintmax_t, fs::file_time_type>>;
Files Listing(const std::string& dir) {
  Files m;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) m[e.path().filename().string()] = {e.file_size(), e.last_write_time()};
  }
  return m;
}

// "" when nothing changed, else the files that appeared, changed or went.
std::string Changes(const Files& before, const Files& after) {
  std::string d;
  for (const auto& [name, v] : after) {
    auto it = before.find(name);
    if (it == before.end())
      d += "new " + name + "; ";
    else if (it->second != v)
      d += "changed " + name + "; ";
  }
  for (const auto& [name, v] : before) {
    if (!after.count(name)) d += "removed " + name + "; ";
  }
  return d;
}

// What the readers saw.
struct Observation {
  int64_t last = -1;
  std::vector<std::pair<Clock::time_point, int64_t>> counts;
};

// Polls a reader once and checks the count against what was committed.
void Poll(Reader& r, Observation* obs, int64_t committed, const char* who) {
  std::string err;
  const int64_t n = r.Count(&err);
  INFO(who << ": " << err);
  REQUIRE(n >= 0);
  CHECK(n % kTx == 0);    // never half a transaction
  CHECK(n >= obs->last);  // never backwards
  CHECK(n <= committed);  // nothing that was not written
  obs->last = n;
  obs->counts.emplace_back(Clock::now(), n);
}

enum class Order { kWriterFirst, kWriterBetween, kWriterLast };
enum class WriterKind { kApi, kIngest };

void RunOrder(Order order, WriterKind kind) {
  ::signal(SIGPIPE, SIG_IGN);
  test::TempDir dir;
  const std::string store_dir = dir.Sub("store");
  const std::string db = dir.Sub("declared.sqlite");
  // Yesterday's store: one transaction in it, nobody holding it.
  {
    auto s = Store::Open(store_dir);
    REQUIRE(s.ok());
    REQUIRE((*s)->AppendAll(Transaction(0)).ok());
  }
  {
    Proc declare = Proc::Start({"sqlite3", "-batch", db});
    REQUIRE(declare.Send(std::string(".load ") + LIQDB_EXTENSION_PATH +
                         "\nCREATE VIRTUAL TABLE liq USING liqdb(store='" + store_dir +
                         "', kind='liquidations');\n.quit\n"));
    bool ok = true;
    const std::string said = declare.Line(&ok);  // the shell says nothing unless it failed
    INFO(said);
    CHECK(said == "");
    REQUIRE(declare.Finish() == 0);
  }
  int64_t committed = kTx;

  std::unique_ptr<Reader> r1, r2;
  Observation o1, o2;
  std::shared_ptr<Store> api;
  std::unique_ptr<Proc> ingest;
  auto start_reader = [&](std::unique_ptr<Reader>* r, Observation* o, const char* who) {
    *r = std::make_unique<Reader>(db);
    Poll(**r, o, committed, who);  // it has opened the store
    CHECK(o->last == committed);
  };
  auto start_writer = [&] {
    if (kind == WriterKind::kApi) {
      StoreOptions so;
      so.mode = StoreOptions::Mode::kReadWrite;
      auto s = Store::Open(store_dir, so);
      INFO((s.ok() ? "" : s.status().ToString()));
      REQUIRE(s.ok());  // never locked out, whoever opened first
      api = *s;
      REQUIRE_FALSE(api->read_only());
    } else {
      ingest = std::make_unique<Proc>(Proc::Start({LIQDB_CLI_PATH, "ingest", "--store", store_dir, "--format",
                                                   "csv", "--kind", "liquidations", "-"}));
    }
  };

  // Readers alone must leave the store folder as it is.
  const auto before = Listing(store_dir);
  if (order == Order::kWriterFirst) start_writer();
  start_reader(&r1, &o1, "reader 1");
  if (order == Order::kWriterBetween) start_writer();
  start_reader(&r2, &o2, "reader 2");
  if (order == Order::kWriterLast) {
    for (int i = 0; i < 5; ++i) {
      Poll(*r1, &o1, committed, "reader 1");
      Poll(*r2, &o2, committed, "reader 2");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(Changes(before, Listing(store_dir)) == "");
    start_writer();
  }

  // A second writer is turned away with one sentence naming this process.
  if (kind == WriterKind::kApi) {
    Proc second = Proc::Start(
        {LIQDB_CLI_PATH, "ingest", "--store", store_dir, "--format", "csv", "--kind", "liquidations", "-"});
    ::close(second.in);
    second.in = -1;
    const std::string said = second.Rest();
    CHECK(second.Finish() == 1);
    const std::string sentence =
        "is being written by another process (pid " + std::to_string(::getpid()) + ")";
    INFO(said);
    CHECK(said.find(sentence) != std::string::npos);
    CHECK(said.find(sentence) == said.rfind(sentence));  // said once, not repeated
  }

  // Transactions 1..kTransactions, ~150 ms apart, while both readers poll.
  std::vector<Clock::time_point> acked;  // acked[j - 1]: transaction j returned
  auto next_write = Clock::now();
  int j = 1;
  const auto deadline_all = Clock::now() + std::chrono::seconds(30);
  const int64_t final_count = kTx * (kTransactions + 1);
  while ((o1.last < final_count || o2.last < final_count) && Clock::now() < deadline_all) {
    if (j <= kTransactions && Clock::now() >= next_write) {
      if (kind == WriterKind::kApi) {
        auto r = api->AppendAll(Transaction(j));
        REQUIRE(r.ok());
      } else {
        // Under PIPE_BUF bytes: one write, so the stream reads it whole.
        if (!ingest->Send(TransactionCsv(j))) FAIL("liqdb ingest - has gone: " << ingest->Rest());
      }
      acked.push_back(Clock::now());
      committed += kTx;
      ++j;
      next_write += std::chrono::milliseconds(150);
    }
    Poll(*r1, &o1, committed, "reader 1");
    Poll(*r2, &o2, committed, "reader 2");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll every ~25 ms
  }
  CHECK(o1.last == final_count);
  CHECK(o2.last == final_count);

  // Latency: from a transaction's return to the first poll that shows it.
  if (kind == WriterKind::kApi) {
    double worst = 0;
    for (const Observation* o : {&o1, &o2}) {
      for (size_t t = 0; t < acked.size(); ++t) {
        const int64_t want = kTx * static_cast<int64_t>(t + 2);
        for (const auto& [when, n] : o->counts) {
          if (when >= acked[t] && n >= want) {
            worst = std::max(worst, std::chrono::duration<double>(when - acked[t]).count());
            break;
          }
        }
      }
    }
    std::cout << "multi-process: worst reader latency " << worst << " s\n";
    CHECK(worst < 1.5);
    api.reset();  // the writer closes
  } else {
    CHECK(ingest->Finish() == 0);  // it opened the store and wrote everything
  }

  // Readers alone again: they still answer, and write nothing into the store.
  const auto after_writer = Listing(store_dir);
  for (int i = 0; i < 5; ++i) {
    Poll(*r1, &o1, committed, "reader 1");
    Poll(*r2, &o2, committed, "reader 2");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(o1.last == final_count);
  CHECK(Changes(after_writer, Listing(store_dir)) == "");
}

TEST_CASE("multi-process: writer first, then two sqlite3 readers", "[tools][multiprocess]") {
  RunOrder(Order::kWriterFirst, WriterKind::kApi);
}

TEST_CASE("multi-process: a reader, the writer, another reader", "[tools][multiprocess]") {
  RunOrder(Order::kWriterBetween, WriterKind::kApi);
}

TEST_CASE("multi-process: two sqlite3 readers, then the writer", "[tools][multiprocess]") {
  RunOrder(Order::kWriterLast, WriterKind::kApi);
}

TEST_CASE("multi-process: two sqlite3 readers, then liqdb ingest -", "[tools][multiprocess]") {
  RunOrder(Order::kWriterLast, WriterKind::kIngest);
}

}  // namespace
}  // namespace liqdb
