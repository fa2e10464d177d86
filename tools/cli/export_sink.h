// Where `liqdb export` writes its rows: an ordinary table in an SQLite file
// (plain C API, no extension) or CSV (plain, gzip, zstd, or standard output),
// behind one row-at-a-time interface, with the safety rules of the command:
//
// - Nothing half-written. A new file is written beside OUT under a temporary
//   name and renamed over OUT by Commit(); an existing SQLite file gets its
//   table replaced in one transaction (drop + create + insert + index), so
//   readers see the old table or the new one and the file's other tables are
//   untouched. A sink destroyed without Commit() removes its temporary file
//   or rolls its transaction back.
// - An existing OUT that is not an SQLite file is refused before anything is
//   written; so is an existing view, index or virtual table of that name.
// - CSV to standard output writes nothing (not even the header) until the
//   first row, so an empty export prints nothing.
//
// Thread-safety: one thread per sink.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "liqdb/status.h"

namespace liqdb::cli {

enum class ColumnType { kInteger, kReal, kText };

struct ColumnDef {
  std::string name;
  ColumnType type;
};

// A table's shape: its columns and the columns of its one index (may be
// empty: no index).
struct TableDef {
  std::string name;
  std::vector<ColumnDef> columns;
  std::vector<std::string> index;
};

class TableSink {
 public:
  virtual ~TableSink() = default;
  // Cells of the current row, in column order. A NaN real is NULL (an
  // empty CSV field).
  virtual void Int(int64_t v) = 0;
  virtual void Real(double v) = 0;
  virtual void Text(std::string_view v) = 0;
  virtual Status EndRow() = 0;
  // Finishes the output and makes it visible under OUT.
  virtual Status Commit() = 0;
  // What Commit() made visible ("table 'liquidations' in out.sqlite").
  virtual std::string Describe() const = 0;
};

// How OUT's name says to write it.
enum class OutputFormat { kSqlite, kCsv, kCsvGzip, kCsvZstd, kStdout };
// By suffix: .sqlite/.sqlite3/.db, .csv, .csv.gz, .csv.zst; "-" is CSV to
// standard output. InvalidArgument naming the accepted suffixes otherwise.
Result<OutputFormat> OutputFormatOf(const std::string& path);

// Opens the sink (creating the temporary file or starting the transaction),
// so that an unwritable or refused OUT fails before any row is read.
Result<std::unique_ptr<TableSink>> OpenSink(const std::string& path, OutputFormat format,
                                            const TableDef& table);

}  // namespace liqdb::cli
