// The SQLite and CSV sinks of `liqdb export`: see export_sink.h.
#include "export_sink.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/zstd.hpp>
#include <boost/iostreams/filtering_stream.hpp>

namespace liqdb::cli {

namespace fs = std::filesystem;

namespace {

bool EndsWith(const std::string& s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    const char c = s[s.size() - suffix.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != suffix[i]) return false;
  }
  return true;
}

std::string Quoted(const std::string& identifier) {
  std::string q = "\"";
  for (char c : identifier) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// Creates an empty file beside `out` under a hidden temporary name, so that
// the final rename stays within one file system (and is atomic).
Result<std::string> CreateTempBeside(const std::string& out) {
  static std::atomic<int> counter{0};
  const fs::path p(out);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const fs::path temp =
      dir / fmt::format(".{}.tmp-{}-{}", p.filename().string(), ::getpid(), counter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) {
    return Status::IOError(
        fmt::format("cannot write '{}': {} (in folder '{}')", out, std::strerror(errno), dir.string()));
  }
  ::close(fd);
  return temp.string();
}

// Makes `temp` durable and renames it over `out`, then syncs the folder so
// the rename itself survives a crash.
Status PublishTemp(const std::string& temp, const std::string& out) {
  const int fd = ::open(temp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    return Status::IOError(fmt::format("cannot sync '{}': {}", temp, std::strerror(err)));
  }
  ::close(fd);
  if (std::rename(temp.c_str(), out.c_str()) != 0) {
    return Status::IOError(fmt::format("cannot rename '{}' to '{}': {}", temp, out, std::strerror(errno)));
  }
  const fs::path dir = fs::path(out).parent_path().empty() ? fs::path(".") : fs::path(out).parent_path();
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: some file systems refuse to sync a folder
    ::close(dfd);
  }
  return Status::OK();
}

// "SQLite format 3\0": the first 16 bytes of every SQLite database file.
bool HasSqliteHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[16] = {};
  in.read(head, sizeof head);
  return in.gcount() == 16 && std::memcmp(head, "SQLite format 3", 16) == 0;
}

// ---- SQLite ---------------------------------------------------------------

class SqliteSink : public TableSink {
 public:
  static Result<std::unique_ptr<TableSink>> Open(const std::string& out, const TableDef& table) {
    auto sink = std::unique_ptr<SqliteSink>(new SqliteSink(out, table.name));
    std::error_code ec;
    const bool exists = fs::exists(out, ec);
    if (exists && !fs::is_regular_file(out, ec)) {
      return Status::InvalidArgument(fmt::format("'{}' exists and is not a regular file", out));
    }
    const bool in_place = exists && fs::file_size(out, ec) > 0;
    if (in_place && !HasSqliteHeader(out)) {
      return Status::InvalidArgument(fmt::format(
          "'{}' exists and is not an SQLite database; nothing was changed (remove it or choose another -o)",
          out));
    }
    std::string db_path = out;
    if (!in_place) {
      LIQDB_ASSIGN_OR_RETURN(sink->temp_, CreateTempBeside(out));
      db_path = sink->temp_;
    }
    if (sqlite3_open_v2(db_path.c_str(), &sink->db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      return sink->Error("cannot open");
    }
    sqlite3_busy_timeout(sink->db_, 10000);
    // The file may come from anyone: no schema-defined functions run here.
    LIQDB_RETURN_IF_ERROR(sink->Exec("PRAGMA trusted_schema=OFF"));
    if (!in_place) {
      // A fresh file under a temporary name: a crash leaves only that file,
      // so it needs neither journal nor syncs until PublishTemp.
      LIQDB_RETURN_IF_ERROR(sink->Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF"));
    } else {
      LIQDB_RETURN_IF_ERROR(sink->CheckReplaceable());
    }
    LIQDB_RETURN_IF_ERROR(sink->Exec("BEGIN IMMEDIATE"));
    sink->in_transaction_ = true;
    std::string create = "CREATE TABLE " + Quoted(table.name) + " (";
    std::string insert = "INSERT INTO " + Quoted(table.name) + " VALUES (";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const ColumnDef& c = table.columns[i];
      create += (i ? ", " : "") + Quoted(c.name) +
                (c.type == ColumnType::kInteger ? " INTEGER"
                 : c.type == ColumnType::kReal  ? " REAL"
                                                : " TEXT");
      insert += i ? ", ?" : "?";
    }
    LIQDB_RETURN_IF_ERROR(sink->Exec("DROP TABLE IF EXISTS " + Quoted(table.name)));
    LIQDB_RETURN_IF_ERROR(sink->Exec(create + ")"));
    if (sqlite3_prepare_v2(sink->db_, (insert + ")").c_str(), -1, &sink->insert_, nullptr) != SQLITE_OK) {
      return sink->Error("cannot prepare the insert into");
    }
    if (!table.index.empty()) {
      std::string cols;
      for (const std::string& c : table.index) cols += (cols.empty() ? "" : ", ") + Quoted(c);
      std::string name = table.name;
      for (const std::string& c : table.index) name += "_" + c;
      sink->create_index_ = "CREATE INDEX " + Quoted(name) + " ON " + Quoted(table.name) + " (" + cols + ")";
    }
    return std::unique_ptr<TableSink>(std::move(sink));
  }

  ~SqliteSink() override {
    if (insert_) sqlite3_finalize(insert_);
    if (db_ && in_transaction_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    if (db_) sqlite3_close(db_);
    if (!temp_.empty() && !published_) ::unlink(temp_.c_str());
  }

  void Int(int64_t v) override { sqlite3_bind_int64(insert_, ++column_, v); }
  void Real(double v) override {
    if (std::isnan(v)) {
      sqlite3_bind_null(insert_, ++column_);
    } else {
      sqlite3_bind_double(insert_, ++column_, v);
    }
  }
  void Text(std::string_view v) override {
    sqlite3_bind_text(insert_, ++column_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  Status EndRow() override {
    column_ = 0;
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) return Error("cannot insert into");
    return Status::OK();
  }

  Status Commit() override {
    sqlite3_finalize(insert_);
    insert_ = nullptr;
    // The index is built once at the end: faster than keeping it up to date
    // row by row, and still inside the one transaction.
    if (!create_index_.empty()) LIQDB_RETURN_IF_ERROR(Exec(create_index_));
    LIQDB_RETURN_IF_ERROR(Exec("COMMIT"));
    in_transaction_ = false;
    if (sqlite3_close(db_) != SQLITE_OK) return Error("cannot close");
    db_ = nullptr;
    if (!temp_.empty()) {
      LIQDB_RETURN_IF_ERROR(PublishTemp(temp_, out_));
      published_ = true;
    }
    return Status::OK();
  }

  std::string Describe() const override { return fmt::format("table '{}' in {}", table_, out_); }

 private:
  SqliteSink(std::string out, std::string table) : out_(std::move(out)), table_(std::move(table)) {}

  Status Error(const char* what) const {
    return Status::IOError(
        fmt::format("{} '{}': {}", what, out_, db_ ? sqlite3_errmsg(db_) : "out of memory"));
  }

  Status Exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string m = msg ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return Status::IOError(fmt::format("'{}': {} (while running: {})", out_, m, sql.substr(0, 80)));
    }
    return Status::OK();
  }

  // Only an ordinary table of that name may be replaced: a view, an index
  // or a virtual table (a liqdb declaration, say) is the user's, not ours.
  Status CheckReplaceable() {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT type, sql FROM sqlite_master WHERE name = ?1 COLLATE NOCASE", -1, &st,
                           nullptr) != SQLITE_OK) {
      return Error("cannot read the schema of");
    }
    sqlite3_bind_text(st, 1, table_.c_str(), -1, SQLITE_TRANSIENT);
    Status s;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const std::string type = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      const char* sql = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
      const bool is_virtual = sql && std::string_view(sql).substr(0, 20) == "CREATE VIRTUAL TABLE";
      if (type != "table" || is_virtual) {
        s =
            Status::InvalidArgument(fmt::format("'{}' already has a {} named '{}'; nothing was changed "
                                                "(choose another name with --table)",
                                                out_, is_virtual ? "virtual table" : type, table_));
      }
    }
    sqlite3_finalize(st);
    return s;
  }

  std::string out_, table_, temp_, create_index_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  int column_ = 0;
  bool in_transaction_ = false, published_ = false;
};

// ---- CSV ------------------------------------------------------------------

class CsvSink : public TableSink {
 public:
  static Result<std::unique_ptr<TableSink>> Open(const std::string& out, OutputFormat format,
                                                 const TableDef& table) {
    auto sink = std::unique_ptr<CsvSink>(new CsvSink(out));
    if (format == OutputFormat::kStdout) {
      sink->out_.push(std::cout);
    } else {
      std::error_code ec;
      if (fs::is_directory(out, ec)) return Status::InvalidArgument(fmt::format("'{}' is a folder", out));
      LIQDB_ASSIGN_OR_RETURN(sink->temp_, CreateTempBeside(out));
      sink->file_.open(sink->temp_, std::ios::binary | std::ios::trunc);
      if (!sink->file_) return Status::IOError(fmt::format("cannot write '{}'", sink->temp_));
      if (format == OutputFormat::kCsvGzip) sink->out_.push(boost::iostreams::gzip_compressor());
      if (format == OutputFormat::kCsvZstd) sink->out_.push(boost::iostreams::zstd_compressor());
      sink->out_.push(sink->file_);
    }
    for (size_t i = 0; i < table.columns.size(); ++i) sink->buf_ += (i ? "," : "") + table.columns[i].name;
    sink->buf_ += '\n';
    return std::unique_ptr<TableSink>(std::move(sink));
  }

  ~CsvSink() override {
    if (!temp_.empty() && !published_) {
      out_.reset();
      file_.close();
      ::unlink(temp_.c_str());
    }
  }

  void Int(int64_t v) override {
    Separate();
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, r.ptr);
  }
  void Real(double v) override {
    Separate();
    if (!std::isnan(v)) fmt::format_to(std::back_inserter(buf_), "{}", v);  // shortest round-trip text
  }
  void Text(std::string_view v) override {
    Separate();
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
      buf_.append(v);
      return;
    }
    buf_ += '"';  // RFC 4180 quoting, for the tools that read it
    for (char c : v) buf_ += c == '"' ? std::string("\"\"") : std::string(1, c);
    buf_ += '"';
  }
  Status EndRow() override {
    buf_ += '\n';
    first_cell_ = true;
    ++rows_;
    if (buf_.size() > (1u << 20)) return Drain();
    return Status::OK();
  }

  Status Commit() override {
    LIQDB_RETURN_IF_ERROR(Drain());
    out_.reset();  // flushes the compressor's trailer
    if (temp_.empty()) {
      std::cout.flush();
      if (!std::cout) return Status::IOError("cannot write to standard output");
      return Status::OK();
    }
    file_.close();
    if (file_.fail()) return Status::IOError(fmt::format("cannot write '{}'", temp_));
    LIQDB_RETURN_IF_ERROR(PublishTemp(temp_, out_path_));
    published_ = true;
    return Status::OK();
  }

  std::string Describe() const override { return temp_.empty() ? "standard output" : out_path_; }

 private:
  explicit CsvSink(std::string out) : out_path_(std::move(out)) {}

  void Separate() {
    if (!first_cell_) buf_ += ',';
    first_cell_ = false;
  }

  // Writes the buffer out; before the first row there is nothing worth
  // writing (standard output stays empty for an empty export).
  Status Drain() {
    if (rows_ == 0) return Status::OK();
    out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    buf_.clear();
    if (!out_) return Status::IOError(fmt::format("cannot write '{}'", Describe()));
    return Status::OK();
  }

  std::string out_path_, temp_, buf_;
  std::ofstream file_;
  boost::iostreams::filtering_ostream out_;
  uint64_t rows_ = 0;
  bool first_cell_ = true, published_ = false;
};

}  // namespace

Result<OutputFormat> OutputFormatOf(const std::string& path) {
  if (path == "-") return OutputFormat::kStdout;
  if (EndsWith(path, ".sqlite") || EndsWith(path, ".sqlite3") || EndsWith(path, ".db")) {
    return OutputFormat::kSqlite;
  }
  if (EndsWith(path, ".csv")) return OutputFormat::kCsv;
  if (EndsWith(path, ".csv.gz")) return OutputFormat::kCsvGzip;
  if (EndsWith(path, ".csv.zst")) return OutputFormat::kCsvZstd;
  return Status::InvalidArgument(fmt::format(
      "cannot tell the output format of '{}': name it .sqlite (or .sqlite3, .db), .csv, .csv.gz or "
      ".csv.zst, or '-' for CSV on standard output",
      path));
}

Result<std::unique_ptr<TableSink>> OpenSink(const std::string& path, OutputFormat format,
                                            const TableDef& table) {
  if (format == OutputFormat::kSqlite) return SqliteSink::Open(path, table);
  return CsvSink::Open(path, format, table);
}

}  // namespace liqdb::cli
