// The README and the reference pages it links to (docs/*.md) tell the truth.
// The YAML reference (docs/yaml-reference.md) is `attune docs` verbatim;
// every YAML snippet, command line, inline override and search dimension they
// show is run through the real `attune` as a user would paste it; every
// schedule they show keeps a usable lr through the first half of the run; the
// option names, files and links they cite exist; every page is linked from
// the README; they name no internal issue; the LICENSE is there and names the
// shipped data's own licences. A failure names the file and line.
//
// Placeholders are filled with real things: `path/to/bert` is the bert-tiny
// fixture, `path/to/run` and the run folders of `eval`, `--resume` and `plot`
// are a small run this test trains, `EXP.yaml` is the demo experiment (the
// digits sweep for `attune sweep`). What
// cannot be run here is skipped with its reason, and the list of what was
// checked and skipped is printed.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "core/experiment/experiment_config.h"
#include "core/sweep/sweep_spec.h"
#include "tests/support/test_support.h"

namespace attune {
namespace readme_test {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- the text

/// The README under test: the repository's, or the file ATTUNE_README names
/// (to see what these tests say of another version of it).
std::string readme_path() {
  const char* other = std::getenv("ATTUNE_README");
  return other && *other ? other : testing::source_dir() + "/README.md";
}

/// The reference pages the README links to: docs/*.md of the repository, by name.
std::vector<std::string> doc_pages() {
  std::vector<std::string> pages;
  for (const auto& entry : fs::directory_iterator(testing::source_dir() + "/docs")) {
    if (entry.is_regular_file() && entry.path().extension() == ".md")
      pages.push_back("docs/" + entry.path().filename().string());
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

struct CodeBlock {
  std::string language;  // "" for a plain ``` block
  std::string code;      // indentation of the fence removed
  int line = 0;          // of the opening fence, 1-based
  std::string section;   // the heading above it
};

/// A markdown file (the README or a docs/ page) split into its code blocks
/// and its prose. Generated regions (`<!-- X:begin -->` ... `<!-- X:end -->`)
/// belong to neither: their text is checked by the tests of what generates them.
struct Readme {
  /// Its path in the repository (`README.md`, `docs/sweeps.md`): what messages name.
  std::string file;
  /// The repository's folder it lies in, absolute: where its relative links start.
  std::string folder;
  std::string text;
  std::vector<CodeBlock> blocks;
  /// The text with code blocks and generated regions blanked (line numbers kept).
  std::string prose;
  /// Heading of each line (index = line - 1).
  std::vector<std::string> sections;

  int line_of(size_t offset) const {
    return 1 + static_cast<int>(std::count(prose.begin(), prose.begin() + offset, '\n'));
  }
  const std::string& section_of(int line) const { return sections.at(static_cast<size_t>(line - 1)); }
};

/// `path` read as the repository's `file`.
Readme read_readme(const std::string& path, const std::string& file) {
  Readme readme;
  readme.file = file;
  readme.folder = (fs::path(testing::source_dir()) / file).parent_path().lexically_normal().string();
  readme.text = testing::read_text(path);
  std::istringstream lines(readme.text);
  std::string line, section;
  const std::regex fence(R"(^( *)```(\S*)\s*$)"), generated_begin(R"(^<!-- [\w-]+:begin -->)"),
      generated_end(R"(^<!-- [\w-]+:end -->)");
  bool in_block = false, in_generated = false;
  size_t indent = 0;
  CodeBlock block;
  for (int number = 1; std::getline(lines, line); ++number) {
    std::smatch m;
    if (!in_block && line.rfind("#", 0) == 0) section = line;
    readme.sections.push_back(section);
    if (in_generated) {
      if (std::regex_search(line, generated_end)) in_generated = false;
      readme.prose += "\n";
      continue;
    }
    if (!in_block && std::regex_search(line, generated_begin)) {
      in_generated = true;
      readme.prose += "\n";
      continue;
    }
    if (std::regex_match(line, m, fence)) {
      if (!in_block) {
        in_block = true;
        indent = m[1].length();
        block = CodeBlock{m[2], "", number, section};
      } else {
        in_block = false;
        readme.blocks.push_back(block);
      }
      readme.prose += "\n";
      continue;
    }
    if (in_block) {
      block.code += (line.size() >= indent ? line.substr(indent) : line) + "\n";
      readme.prose += "\n";
    } else {
      readme.prose += line + "\n";
    }
  }
  return readme;
}

/// The README, then every docs/ page in name order.
std::vector<Readme> read_markdown() {
  std::vector<Readme> files = {read_readme(readme_path(), "README.md")};
  for (const auto& page : doc_pages()) files.push_back(read_readme(testing::source_dir() + "/" + page, page));
  return files;
}

/// Inline code spans of the prose, whitespace inside them collapsed to one
/// space (a span may wrap), with their offset.
std::vector<std::pair<std::string, size_t>> inline_spans(const std::string& prose) {
  std::vector<std::pair<std::string, size_t>> spans;
  const std::regex span("`([^`]+)`");
  for (std::sregex_iterator it(prose.begin(), prose.end(), span), end; it != end; ++it) {
    std::string text = (*it)[1], collapsed;
    for (char c : text) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
      } else {
        collapsed += c;
      }
    }
    while (!collapsed.empty() && collapsed.back() == ' ') collapsed.pop_back();
    spans.emplace_back(collapsed, static_cast<size_t>(it->position(1)));
  }
  return spans;
}

/// The sentence around `offset`: from the previous ". " or blank line to the next.
std::string sentence_at(const std::string& prose, size_t offset) {
  size_t from = 0;
  for (const char* stop : {". ", "\n\n", ".\n"}) {
    const size_t at = prose.rfind(stop, offset);
    if (at != std::string::npos) from = std::max(from, at + 2);
  }
  size_t to = prose.size();
  for (const char* stop : {". ", "\n\n", ".\n"}) to = std::min(to, prose.find(stop, offset));
  std::string text = prose.substr(from, to - from);
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool says_refused(const std::string& sentence) {
  for (const char* word : {"error", "refuse", "reject", "exit 2", "exit code 2", "invalid", "is not valid"}) {
    if (sentence.find(word) != std::string::npos) return true;
  }
  return false;
}

/// Shell words of a command line: quotes and backslashes as sh reads them.
/// nullopt for what this test does not expand (variables other than
/// $ATTUNE, globs, pipes, redirections).
std::optional<std::vector<std::string>> shell_words(const std::string& line, const std::string& attune_root) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\'') {
      const size_t close = line.find('\'', i + 1);
      if (close == std::string::npos) return std::nullopt;
      word += line.substr(i + 1, close - i - 1);
      i = close;
      in_word = true;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() && std::string("\"\\$`").find(line[j + 1]) != std::string::npos) ++j;
        if (line[j] == '$' || line[j] == '`') return std::nullopt;
        word += line[j];
      }
      if (j >= line.size()) return std::nullopt;
      i = j;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '$') {
      if (line.compare(i, 7, "$ATTUNE") != 0 ||
          (i + 7 < line.size() && (std::isalnum(static_cast<unsigned char>(line[i + 7])) || line[i + 7] == '_')))
        return std::nullopt;
      word += attune_root;
      i += 6;
      in_word = true;
    } else if (std::string("|;&<>*?`").find(c) != std::string::npos) {
      return std::nullopt;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

/// A command line without its comment (a `#` after a space, outside quotes).
std::string strip_comment(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '#' && (i == 0 || std::isspace(static_cast<unsigned char>(line[i - 1])))) {
      return line.substr(0, i);
    }
  }
  return line;
}

std::string trim(const std::string& text) {
  const size_t from = text.find_first_not_of(" \t\n");
  if (from == std::string::npos) return "";
  return text.substr(from, text.find_last_not_of(" \t\n") - from + 1);
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

// ---------------------------------------------------------------- the sandbox

/// A folder with the repository's shape (experiments/, data/, tests/,
/// examples/, build/ reachable as from the repository's root), where the
/// README's commands run and its snippets are written, so that their
/// relative paths mean what they mean in the repository, and what they write
/// lands here.
class Sandbox {
 public:
  Sandbox() {
    const std::string source = testing::source_dir();
    fs::create_directories(dir_.file("experiments"));
    for (const auto& entry : fs::directory_iterator(source + "/experiments")) {
      fs::create_symlink(entry.path(), dir_.file("experiments/" + entry.path().filename().string()));
    }
    for (const char* name : {"data", "tests", "examples", "docs", "scripts"}) {
      if (fs::exists(source + "/" + name)) fs::create_directory_symlink(source + "/" + name, dir_.file(name));
    }
    fs::create_directory_symlink(fs::path(testing::attune_binary()).parent_path(), dir_.file("build"));
    // A small training set for the runs this test trains: the first SST-2
    // dev sentences (the demo's own data would take minutes).
    testing::write_head(source + "/data/sst2/dev.tsv", dir_.file("small/train.tsv"), 128);
    testing::write_head(source + "/data/sst2/dev.tsv", dir_.file("small/valid.tsv"), 32);
  }

  const std::string& root() const { return dir_.path(); }
  std::string path(const std::string& relative) const { return dir_.file(relative); }

  testing::CommandResult run(const std::vector<std::string>& args) const { return testing::run_attune(args, root()); }

  /// Makes sure `folder` (relative to the sandbox) is a finished run of the
  /// demo experiment on the small data, trained by one process or, when
  /// `ranks` > 0, by `attune launch --nproc ranks`. Empty on success, else
  /// what went wrong.
  std::string ensure_run(const std::string& folder, int ranks = 0) {
    if (fs::exists(path(folder) + "/config.yaml")) return "";
    std::vector<std::string> args;
    if (ranks > 0) args = {"launch", "--nproc", std::to_string(ranks)};
    for (const std::string& arg : {"train", "experiments/sst2_transformer.yaml", "data.train=small/train.tsv",
                                   "data.valid=small/valid.tsv", "train.epochs=1", "train.batch_size=32",
                                   "train.progress=none", "scheduler.warmup_steps=1", "--run-dir", folder.c_str()})
      args.push_back(arg);
    const auto result = run(args);
    if (result.exit_code != 0) return "training the run folder `" + folder + "` failed: " + result.err;
    return "";
  }

  /// Makes sure `folder` is a finished sweep: the digits sweep cut to one
  /// trial of one epoch.
  std::string ensure_sweep(const std::string& folder) {
    if (fs::exists(path(folder) + "/sweep.json")) return "";
    const auto result = run({"sweep", "experiments/sweep_digits.yaml", "search.space={optimizer.lr: [1.0e-3]}",
                             "search.cv_folds=0", "search.refit=false", "search.pruner.type=none", "search.workers=1",
                             "train.epochs=1", "--sweep-dir", folder});
    if (result.exit_code != 0) return "the sweep folder `" + folder + "` failed: " + result.err;
    return "";
  }

 private:
  testing::TempDir dir_;
};

// ---------------------------------------------------------------- outcomes

/// What was checked and what was skipped (printed at the end), and failures.
class Report {
 public:
  explicit Report(std::string what) : what_(std::move(what)) {}
  ~Report() {
    std::cout << "[ README ] " << what_ << ": " << checked_.size() << " checked, " << skipped_.size() << " skipped\n";
    for (const auto& item : checked_) std::cout << "  checked  " << item << "\n";
    for (const auto& item : skipped_) std::cout << "  skipped  " << item << "\n";
  }
  void checked(const std::string& file, int line, const std::string& text, const std::string& how) {
    checked_.push_back(where(file, line, text) + " -> " + how);
  }
  void skipped(const std::string& file, int line, const std::string& text, const std::string& why) {
    skipped_.push_back(where(file, line, text) + ": " + why);
  }
  size_t checked_count() const { return checked_.size(); }
  static std::string where(const std::string& file, int line, const std::string& text) {
    return file + ":" + std::to_string(line) + ": `" + text + "`";
  }

 private:
  std::string what_;
  std::vector<std::string> checked_, skipped_;
};

std::string outputs(const testing::CommandResult& result) {
  auto cut = [](const std::string& text) { return text.size() > 3000 ? text.substr(0, 3000) + "..." : text; };
  return "exit " + std::to_string(result.exit_code) + "\nstderr: " + cut(result.err) + "\nstdout: " + cut(result.out);
}

/// `attune schedule` of an experiment: the lr, through the first half of the
/// run, stays above a thousandth of its highest value (a schedule that is
/// spent before the run is half done is a slip, e.g. an epoch's decay factor
/// applied every step). Returns what is wrong, "" if nothing, or nullopt
/// when the schedule cannot be printed without a run (metric-driven).
std::optional<std::string> schedule_problem(const Sandbox& sandbox, const std::vector<std::string>& experiment_args) {
  std::vector<std::string> args = {"schedule"};
  args.insert(args.end(), experiment_args.begin(), experiment_args.end());
  const auto result = sandbox.run(args);
  if (result.exit_code != 0) {
    if (result.err.find("--metrics") != std::string::npos) return std::nullopt;
    return "`attune " + join(args) + "` failed: " + outputs(result);
  }
  std::istringstream lines(result.out);
  std::string line;
  std::getline(lines, line);
  std::vector<std::vector<double>> columns;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    std::getline(cells, cell, ',');  // tick
    for (size_t c = 0; std::getline(cells, cell, ','); ++c) {
      if (columns.size() <= c) columns.resize(c + 1);
      columns[c].push_back(std::stod(cell));
    }
  }
  for (const auto& lrs : columns) {
    const double highest = *std::max_element(lrs.begin(), lrs.end());
    const size_t ticks = lrs.size() - 1;
    for (size_t tick = 1; tick <= ticks / 2; ++tick) {
      if (lrs[tick] < 1e-3 * highest) {
        std::ostringstream message;
        message << "the lr falls to " << lrs[tick] << " at tick " << tick << " of " << ticks << " (highest " << highest
                << "): the schedule is spent before half the run (an epoch's decay applied every "
                << "step? `interval: epoch`)";
        return message.str();
      }
    }
  }
  return "";
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// ---------------------------------------------------------------- tests

TEST(Readme, YamlReferenceIsTheOutputOfAttuneDocs) {
  const std::string page = "docs/yaml-reference.md";
  const std::string text = testing::read_text(testing::source_dir() + "/" + page);
  const std::string begin = "<!-- yaml-reference:begin -->\n", end = "<!-- yaml-reference:end -->";
  const size_t from = text.find(begin), to = text.find(end);
  ASSERT_NE(from, std::string::npos) << page << ": no `" << trim(begin) << "` marker";
  ASSERT_NE(to, std::string::npos) << page << ": no `" << end << "` marker";
  ASSERT_LT(from, to) << page << ": the reference's end marker comes before its begin marker";
  const auto docs = testing::run_attune({"docs"});
  ASSERT_EQ(docs.exit_code, 0);
  EXPECT_TRUE(text.substr(from + begin.size(), to - from - begin.size()) == docs.out)
      << page << ":" << std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(from), '\n') + 1
      << ": the YAML reference is stale: run scripts/update-readme-reference.sh";
  // One copy of it: no other markdown file holds a second one that nothing updates.
  for (const auto& markdown : read_markdown()) {
    if (markdown.file == page) continue;
    EXPECT_EQ(markdown.text.find(trim(begin)), std::string::npos)
        << markdown.file << ": holds a copy of the YAML reference; it lives in " << page;
  }
}

/// Placeholders of YAML snippets: the bert-tiny fixture for `path/to/bert`,
/// a small trained run for `path/to/run`.
std::string fill_yaml_placeholders(std::string text, Sandbox& sandbox, std::string& problem) {
  text = std::regex_replace(text, std::regex("path/to/bert"), testing::fixtures_dir() + "/bert-tiny");
  if (text.find("path/to/run") != std::string::npos) {
    problem = sandbox.ensure_run("runs/a");
    text = std::regex_replace(text, std::regex("path/to/run"), sandbox.path("runs/a"));
  }
  return text;
}

/// The shipped experiment a partial snippet completes: BERT's for BERT
/// snippets, the sweep's for search sections, else the demo.
std::string base_experiment(const YAML::Node& snippet, const std::string& text) {
  if (text.find("bert_classifier") != std::string::npos || text.find("path/to/bert") != std::string::npos)
    return "bert_tiny_sst2.yaml";
  if (snippet["search"]) return "sweep_digits.yaml";
  return "sst2_transformer.yaml";
}

/// `docs/sweeps.md` -> `docs-sweeps-md`: a file's name where a file name is made of it.
std::string slug(const std::string& file) {
  std::string text = file;
  std::replace_if(
      text.begin(), text.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '-');
  return text;
}

TEST(Readme, YamlSnippetsPassAttuneCheck) {
  Sandbox sandbox;
  Report report("YAML snippets");
  for (const Readme& readme : read_markdown()) {
    const std::string& where = readme.file;
    for (const auto& block : readme.blocks) {
      if (block.language != "yaml") continue;
      const std::string shown = trim(block.code.substr(0, block.code.find('\n')) + " ...");
      std::string problem;
      const std::string text = fill_yaml_placeholders(block.code, sandbox, problem);
      ASSERT_EQ(problem, "");
      if (text.find("path/to/") != std::string::npos) {
        report.skipped(where, block.line, shown, "a `path/to/...` placeholder this test has nothing for");
        continue;
      }
      YAML::Node snippet;
      try {
        snippet = YAML::Load(text);
      } catch (const YAML::Exception& e) {
        ADD_FAILURE() << where << ":" << block.line << ": the YAML snippet is not valid YAML: " << e.what() << "\n"
                      << block.code;
        continue;
      }
      if (!snippet.IsMap()) {
        ADD_FAILURE() << where << ":" << block.line << ": the YAML snippet is not a map of sections\n" << block.code;
        continue;
      }
      // A partial snippet is pasted over a whole experiment: each section it
      // gives replaces that section, as a user replacing theirs.
      const std::string base = base_experiment(snippet, block.code);
      YAML::Node experiment = YAML::LoadFile(testing::source_dir() + "/experiments/" + base);
      for (auto it = snippet.begin(); it != snippet.end(); ++it) experiment[it->first.Scalar()] = it->second;
      const std::string file = "experiments/readme-" + slug(where) + "-line" + std::to_string(block.line) + ".yaml";
      YAML::Emitter out;
      out << experiment;
      testing::write_text(sandbox.path(file), std::string(out.c_str()) + "\n");
      // The bert-tiny fixture has 64 positions where a real BERT has 512.
      std::vector<std::string> overrides;
      if (block.code.find("path/to/bert") != std::string::npos) overrides.push_back("data.max_length=64");

      std::vector<std::string> args = {"check", file, "--init"};
      args.insert(args.end(), overrides.begin(), overrides.end());
      const auto result = sandbox.run(args);
      EXPECT_EQ(result.exit_code, 0) << where << ":" << block.line << ": the YAML snippet, pasted over experiments/"
                                     << base << ", fails `attune check --init`:\n"
                                     << block.code << outputs(result);
      std::string how = "attune check --init (over experiments/" + base + ")";
      if (snippet["scheduler"]) {
        std::vector<std::string> experiment_args = {file};
        experiment_args.insert(experiment_args.end(), overrides.begin(), overrides.end());
        const auto problem_found = schedule_problem(sandbox, experiment_args);
        if (problem_found) {
          EXPECT_EQ(*problem_found, "") << where << ":" << block.line << ": the YAML snippet's schedule\n"
                                        << block.code;
          how += ", attune schedule";
        }
      }
      if (snippet["search"] && snippet["search"]["space"]) {
        // Every trial the search makes is a valid experiment (as `attune sweep` checks first).
        try {
          SweepSpec spec;
          spec.experiment = sandbox.path(file);
          spec.overrides = overrides;
          spec.prepare();
          how += ", its " + std::to_string(spec.trials().size()) + " trials";
        } catch (const std::exception& e) {
          ADD_FAILURE() << where << ":" << block.line << ": the search's trials are not valid experiments: " << e.what()
                        << "\n"
                        << block.code;
        }
      }
      report.checked(where, block.line, shown, how);
    }
  }
  EXPECT_GE(report.checked_count(), 4u) << "the YAML snippets of the README and docs/ were not found";
}

/// Runs one command line of the README or a docs/ page (words after
/// `attune`), as pasted where it can, as `attune check` where it would train
/// or search.
class CommandChecker {
 public:
  CommandChecker(Sandbox& sandbox, Report& report) : sandbox_(sandbox), report_(report) {
    testing::write_text(sandbox_.path("batch.json"),
                        R"({"input_ids": [[101, 1037, 2204, 2143, 102]], "token_type_ids": [[0, 0, 0, 0, 0]], )"
                        R"("attention_mask": [[1, 1, 1, 1, 1]]})");
    fs::copy_file(sandbox_.path("small/valid.tsv"), sandbox_.path("other.tsv"));
  }

  void check(const std::string& file, int line, const std::string& shown, std::vector<std::string> words,
             const std::string& section) {
    file_ = file;
    // Placeholders.
    const std::string bert = testing::fixtures_dir() + "/bert-tiny";
    const bool sweep = std::find(words.begin(), words.end(), "sweep") != words.end();
    for (size_t i = 0; i < words.size(); ++i) {
      std::string& word = words[i];
      const std::string previous = i > 0 ? words[i - 1] : "";
      if (word == "EXP.yaml" || word == "exp.yaml")
        word = sweep ? "experiments/sweep_digits.yaml" : "experiments/sst2_transformer.yaml";
      if (starts_with(word, "path/to/bert")) word = bert + word.substr(std::string("path/to/bert").size());
      if (previous == "--model" && word == "DIR") word = bert;
      if (previous == "--vocab" && word == "V") word = bert + "/vocab.txt";
      if ((previous == "--text" && word == "T") || word == "TEXT") word = "a good film";
      if (word == "RUN_DIR") word = "runs/a";
      if (word == "SWEEP_DIR") word = "sweeps/s";
    }
    for (const auto& word : words) {
      if (word.find("...") != std::string::npos || word.find("path/to/") != std::string::npos ||
          (word.size() > 1 &&
           std::all_of(word.begin(), word.end(), [](char c) { return std::isupper(c) || c == '_'; }))) {
        return report_.skipped(file_, line, shown, "the placeholder `" + word + "` names nothing this test has");
      }
      if (starts_with(word, "[")) return report_.skipped(file_, line, shown, "a synopsis (optional parts in brackets)");
    }
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "--plugin" && !fs::exists(fs::path(sandbox_.root()) / words[i + 1]) &&
          section.find("Write your own") != std::string::npos) {
        return report_.skipped(
            file_, line, shown,
            "loads the plugin the walk-through builds; ReadmePlugin.WriteYourOwnSchedulerWorksAsWritten"
            " runs these steps word for word");
      }
    }
    if (words.empty()) return;
    int ranks = 0;
    std::vector<std::string> launch;
    if (words[0] == "launch") {
      size_t i = 1;
      for (; i + 1 < words.size() && starts_with(words[i], "--"); i += 2) {
        if (words[i] == "--nproc") ranks = std::stoi(words[i + 1]);
      }
      launch.assign(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(i));
      words.erase(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(i));
      if (ranks == 0) ranks = 2;
      if (words.empty())
        return run_as_is(line, shown, {"launch", "--help"}, "a command's name: `attune launch --help`", false);
    }
    const std::string command = words[0];
    if (words.size() == 1 && command != "docs") {
      // A name in a sentence (`attune sweep`): the command exists.
      auto args = launch;
      args.push_back(command);
      args.push_back("--help");
      return run_as_is(line, shown, args, "a command's name: `attune " + join(args) + "`", false);
    }
    if (command == "train" || command == "sweep") {
      std::string resume;
      std::vector<std::string> experiment, plugins;
      for (size_t i = 1; i < words.size(); ++i) {
        if (words[i] == "--resume" && i + 1 < words.size()) {
          resume = words[++i];
        } else if ((words[i] == "--run-dir" || words[i] == "--sweep-dir" || words[i] == "--storage" ||
                    words[i] == "--workers") &&
                   i + 1 < words.size()) {
          ++i;  // where it would write and how: not part of what `check` validates
        } else if (words[i] == "--plugin" && i + 1 < words.size()) {
          plugins.push_back(words[++i]);
        } else {
          experiment.push_back(words[i]);
        }
      }
      if (!resume.empty()) {
        const std::string problem = sandbox_.ensure_run(resume, ranks);
        if (!problem.empty()) return (void)(ADD_FAILURE() << Report::where(file_, line, shown) << ": " << problem);
        auto args = launch;
        args.insert(args.end(), words.begin(), words.end());
        return run_as_is(line, shown, args, "", false);
      }
      std::vector<std::string> args = {"check"};
      args.insert(args.end(), experiment.begin(), experiment.end());
      for (const auto& plugin : plugins) {
        args.push_back("--plugin");
        args.push_back(plugin);
      }
      run_as_is(line, shown, args,
                "attune " + join(args) + (command == "sweep" ? ", and every trial of its search" : ""), false);
      if (std::any_of(experiment.begin(), experiment.end(),
                      [](const std::string& w) { return starts_with(w, "scheduler"); }))
        expect_sane_schedule(line, shown, experiment);
      if (command == "sweep") prepare_sweep(line, shown, experiment, plugins);
      return;
    }
    if (command == "eval" || command == "plot") {
      if (words.size() > 1 && !starts_with(words[1], "-")) {
        const std::string problem =
            starts_with(words[1], "sweeps/") ? sandbox_.ensure_sweep(words[1]) : sandbox_.ensure_run(words[1]);
        if (!problem.empty()) return (void)(ADD_FAILURE() << Report::where(file_, line, shown) << ": " << problem);
      }
    }
    if (command == "eval" || command == "plot" || command == "check" || command == "schedule" || command == "list" ||
        command == "docs" || command == "embed" || command == "tokenize") {
      auto args = launch;
      args.insert(args.end(), words.begin(), words.end());
      const bool sane = command == "schedule" &&
                        std::none_of(words.begin(), words.end(), [](const std::string& w) { return w == "--ticks"; });
      return run_as_is(line, shown, args, "", sane);
    }
    // A command this test does not know: it exists, at least.
    auto args = launch;
    args.push_back(command);
    args.push_back("--help");
    run_as_is(line, shown, args, "not known to this test: only `attune " + join(args) + "`", false);
  }

 private:
  void run_as_is(int line, const std::string& shown, const std::vector<std::string>& args, std::string how,
                 bool schedule_sanity) {
    const auto result = sandbox_.run(args);
    EXPECT_EQ(result.exit_code, 0) << Report::where(file_, line, shown) << " fails as `attune " << join(args) << "`:\n"
                                   << outputs(result);
    if (how.empty()) how = "attune " + join(args);
    if (schedule_sanity && result.exit_code == 0) {
      const std::vector<std::string> experiment(args.begin() + 1, args.end());
      expect_sane_schedule(line, shown, experiment);
    }
    report_.checked(file_, line, shown, how);
  }

  void expect_sane_schedule(int line, const std::string& shown, const std::vector<std::string>& experiment) {
    const auto problem = schedule_problem(sandbox_, experiment);
    if (problem) EXPECT_EQ(*problem, "") << Report::where(file_, line, shown);
  }

  void prepare_sweep(int line, const std::string& shown, const std::vector<std::string>& experiment,
                     const std::vector<std::string>& plugins) {
    try {
      SweepSpec spec;
      for (const auto& word : experiment) {
        if (word.find('=') != std::string::npos) {
          spec.overrides.push_back(word);
        } else {
          spec.experiment = fs::path(word).is_absolute() ? word : sandbox_.path(word);
        }
      }
      for (const auto& plugin : plugins) spec.plugins.push_back(sandbox_.path(plugin));
      spec.prepare();
    } catch (const std::exception& e) {
      ADD_FAILURE() << Report::where(file_, line, shown)
                    << ": the sweep's trials are not valid experiments: " << e.what();
    }
  }

  Sandbox& sandbox_;
  Report& report_;
  std::string file_;  // of the line being checked
};

TEST(Readme, CommandLinesWork) {
  const std::vector<Readme> markdown = read_markdown();
  Sandbox sandbox;
  Report report("command lines");
  CommandChecker checker(sandbox, report);
  const std::string prefix = "build/attune ", plugin_prefix = "$ATTUNE/build/attune ";
  for (const Readme& readme : markdown) {
    const std::string& where = readme.file;
    for (const auto& block : readme.blocks) {
      if (block.language != "sh" && block.language != "bash" && block.language != "console") continue;
      std::istringstream lines(block.code);
      std::string physical, line;
      int at = 0;
      for (int number = block.line + 1; std::getline(lines, physical); ++number) {
        if (line.empty()) at = number;
        line += physical;
        if (!line.empty() && line.back() == '\\') {  // continued on the next line
          line.pop_back();
          continue;
        }
        const std::string text = trim(strip_comment(line));
        line.clear();
        if (text.empty()) continue;
        if (starts_with(text, "torchrun ")) {
          // torchrun's own options, as LibTorch's Python twin (torch 1.13) reads them.
          const auto words = shell_words(text, sandbox.root());
          ASSERT_TRUE(words);
          const auto binary = std::find(words->begin(), words->end(), "build/attune");
          ASSERT_NE(binary, words->end()) << where << ":" << at << ": a torchrun line that does not run build/attune";
          const std::string parse = testing::python() +
                                    " -c 'import sys; from torch.distributed.run import get_args_parser as p; "
                                    "p().parse_args(sys.argv[1:])' " +
                                    text.substr(std::string("torchrun ").size()) + " > /dev/null 2>&1";
          if (std::system((testing::python() + " -c 'import torch.distributed.run' > /dev/null 2>&1").c_str()) == 0) {
            EXPECT_EQ(std::system(parse.c_str()), 0)
                << where << ":" << at << ": torchrun (torch.distributed.run) refuses the options of `" << text << "`";
            report.checked(where, at, text, "torch.distributed.run's argument parser");
          } else {
            report.skipped(where, at, text, "torchrun's options: no Python torch here to parse them");
          }
          checker.check(where, at, text, std::vector<std::string>(binary + 1, words->end()), block.section);
          continue;
        }
        std::string rest;
        if (starts_with(text, prefix)) {
          rest = text.substr(prefix.size());
        } else if (starts_with(text, plugin_prefix)) {
          rest = text.substr(plugin_prefix.size());
        } else {
          report.skipped(where, at, text, "not an attune command (make, cmake, export: the build itself)");
          continue;
        }
        const auto words = shell_words(rest, sandbox.root());
        if (!words) {
          report.skipped(where, at, text, "uses shell features this test does not expand");
          continue;
        }
        checker.check(where, at, text, *words, block.section);
      }
    }
    // `attune ...` in the prose.
    for (const auto& [span, offset] : inline_spans(readme.prose)) {
      if (!starts_with(span, "attune ")) continue;
      const int line = readme.line_of(offset);
      const auto words = shell_words(span.substr(7), sandbox.root());
      if (!words) {
        report.skipped(where, line, span, "uses shell features this test does not expand");
        continue;
      }
      checker.check(where, line, span, *words, readme.section_of(line));
    }
  }
  EXPECT_GE(report.checked_count(), 20u) << "the command lines of the README and docs/ were not found";

  // The run folder's metrics.csv has the columns the run-folder table lists,
  // and an `lr_<group>` column for each extra param group.
  ASSERT_EQ(sandbox.ensure_run("runs/a"), "");
  std::smatch m;
  const std::regex metrics_row(R"(\| `metrics\.csv` \|[^\n]*?`([a-z_,]+)`)");
  const auto table = std::find_if(markdown.begin(), markdown.end(), [&](const Readme& readme) {
    return std::regex_search(readme.prose, m, metrics_row);
  });
  ASSERT_NE(table, markdown.end())
      << "neither the README nor a docs/ page has a run-folder table with a metrics.csv row";
  const std::string metrics = testing::read_text(sandbox.path("runs/a/metrics.csv"));
  const std::string header = metrics.substr(0, metrics.find('\n'));
  EXPECT_EQ(std::regex_replace(header, std::regex(",lr_[A-Za-z0-9_]+"), ""), m[1].str())
      << table->file << ":" << table->line_of(static_cast<size_t>(m.position(1)))
      << ": the run-folder table's metrics.csv columns are not the run's: " << header;
}

TEST(Readme, InlineOverridesAndSearchDimensionsWork) {
  Sandbox sandbox;
  Report report("inline overrides and search dimensions");
  const std::regex override_span(R"(^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*=\S.*$)");
  const std::regex dimension_span(R"(^([a-z_][a-z0-9_]*(\.[a-z0-9_]+)+): (\[.*\]|\{.*\})$)");
  const std::string demo = "experiments/sst2_transformer.yaml";
  int dimension = 0;
  for (const Readme& readme : read_markdown()) {
    const std::string& where = readme.file;
    for (const auto& [span, offset] : inline_spans(readme.prose)) {
      const int line = readme.line_of(offset);
      std::smatch m;
      if (std::regex_match(span, override_span)) {
        const std::string key = span.substr(0, span.find('='));
        if (key == "key" || span.find("...") != std::string::npos) {
          report.skipped(where, line, span, "a placeholder");
          continue;
        }
        const bool refused = says_refused(sentence_at(readme.prose, offset));
        const auto result = sandbox.run({"check", demo, span});
        EXPECT_EQ(result.exit_code, refused ? 2 : 0)
            << Report::where(where, line, span) << (refused ? " is shown as refused" : "") << " (`attune check " << demo
            << " " << span << "`):\n"
            << outputs(result);
        if (!refused && starts_with(key, "scheduler")) {
          const auto problem = schedule_problem(sandbox, {demo, span});
          if (problem) EXPECT_EQ(*problem, "") << Report::where(where, line, span);
        }
        report.checked(where, line, span, std::string("attune check ") + demo + (refused ? " (exit 2)" : ""));
      } else if (std::regex_match(span, m, dimension_span)) {
        // A search dimension: searched over the digits sweep, every trial valid
        // and, for a scheduler, with a usable schedule.
        const std::string key = m[1];
        YAML::Node values;
        try {
          values = YAML::Load(m[3].str());
        } catch (const YAML::Exception& e) {
          ADD_FAILURE() << Report::where(where, line, span) << ": not valid YAML: " << e.what();
          continue;
        }
        YAML::Node experiment = YAML::LoadFile(testing::source_dir() + "/experiments/sweep_digits.yaml");
        YAML::Node space(YAML::NodeType::Map);
        space[key] = values;
        experiment["search"]["space"] = space;
        if (values.IsMap()) {  // a distribution: random search draws from it
          experiment["search"]["strategy"] = "random";
          experiment["search"]["trials"] = 3;
        }
        const std::string file = "experiments/readme-dimension" + std::to_string(++dimension) + ".yaml";
        YAML::Emitter out;
        out << experiment;
        testing::write_text(sandbox.path(file), std::string(out.c_str()) + "\n");
        try {
          SweepSpec spec;
          spec.experiment = sandbox.path(file);
          spec.prepare();
          for (size_t t = 0; t < spec.trials().size(); ++t) {
            if (!starts_with(key, "scheduler")) continue;
            const auto trial = spec.trial_experiment(spec.trials()[t], static_cast<int64_t>(t));
            const std::string trial_file =
                "experiments/readme-dimension" + std::to_string(dimension) + "-trial" + std::to_string(t) + ".yaml";
            testing::write_text(sandbox.path(trial_file), to_yaml(trial.resolved));
            const auto problem = schedule_problem(sandbox, {trial_file});
            if (problem) EXPECT_EQ(*problem, "") << Report::where(where, line, span) << ", trial " << t;
          }
          report.checked(where, line, span, "searched over experiments/sweep_digits.yaml");
        } catch (const std::exception& e) {
          ADD_FAILURE() << Report::where(where, line, span) << ": its trials are not valid experiments: " << e.what();
        }
      }
    }
  }
  EXPECT_GE(report.checked_count(), 3u) << "the inline overrides of the README and docs/ were not found";
}

/// Every file under the folders attune's own code lives in.
std::string attune_sources() {
  std::string all;
  const std::string root = testing::source_dir();
  for (const char* folder : {"core", "models", "schedulers", "initializers", "examples", "fuzz", "bench", "scripts"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root + "/" + folder)) {
      const std::string ext = entry.path().extension().string(), name = entry.path().filename().string();
      if (entry.is_regular_file() &&
          (ext == ".cpp" || ext == ".h" || ext == ".py" || ext == ".sh" || ext == ".proto" || name == "CMakeLists.txt"))
        all += testing::read_text(entry.path().string()) + "\n";
    }
  }
  return all + testing::read_text(root + "/Makefile") + testing::read_text(root + "/CMakeLists.txt");
}

bool has_word(const std::string& text, const std::string& word) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    const bool left = at == 0 || !is_word(text[at - 1]);
    const bool right = at + word.size() >= text.size() || !is_word(text[at + word.size()]);
    if (left && right) return true;
  }
  return false;
}

TEST(Readme, NamesItCitesExist) {
  // A snake_case name in the prose of the README or a docs/ page (an option,
  // a summary.json field, a fuzz target, a PyTorch function) is one attune
  // declares (`attune docs`) or one its sources use: not an option that was
  // never written.
  const auto docs = testing::run_attune({"docs"});
  ASSERT_EQ(docs.exit_code, 0);
  const std::string sources = attune_sources();
  // Names of other projects' that the README compares attune with.
  const std::set<std::string> elsewhere = {
      "pickle_load",  // LibTorch's torch::pickle_load
  };
  const std::regex snake("[a-z][a-z0-9]*(_[a-z0-9]+)+");
  for (const Readme& readme : read_markdown()) {
    for (const auto& [span, offset] : inline_spans(readme.prose)) {
      if (!std::regex_match(span, snake) || elsewhere.count(span)) continue;
      EXPECT_TRUE(has_word(docs.out, span) || has_word(sources, span))
          << Report::where(readme.file, readme.line_of(offset), span)
          << ": attune neither declares this name (`attune docs`) nor uses it anywhere in its sources";
    }
  }
}

/// GitHub's anchor for a heading.
std::string anchor_of(const std::string& heading) {
  std::string anchor;
  for (unsigned char c : heading.substr(heading.find_first_not_of('#'))) {
    if (std::isalnum(c) || c == '-' || c == '_') {
      anchor += static_cast<char>(std::tolower(c));
    } else if (c == ' ') {
      anchor += '-';
    }
  }
  return anchor.substr(anchor.find_first_not_of('-'));
}

/// A markdown file of the repository (`file`, in `folder`) names no internal
/// issue and no note that is not shipped (an UPPERCASE.md that is not there).
void check_markdown(const std::string& file, const std::string& text, const std::string& folder) {
  const std::regex issue(R"(\bissues? #?[0-9]+)", std::regex::icase), note(R"(\b([A-Z][A-Z_]+\.md)\b)");
  for (std::sregex_iterator match(text.begin(), text.end(), issue), end; match != end; ++match) {
    ADD_FAILURE() << file << ": `" << match->str() << "`: an internal issue number means nothing to a reader";
  }
  for (std::sregex_iterator match(text.begin(), text.end(), note), end; match != end; ++match) {
    const std::string cited = (*match)[1];
    EXPECT_TRUE(fs::exists(folder + "/" + cited) || fs::exists(testing::source_dir() + "/" + cited))
        << file << ": cites " << cited << ", which is not in the repository";
  }
}

/// Where `target`, a path relative to `readme`'s folder (a link's), leads:
/// the absolute path, or nullopt when it leads out of the repository.
std::optional<fs::path> in_repository(const Readme& readme, const std::string& target) {
  fs::path root = fs::absolute(testing::source_dir()).lexically_normal();
  if (!root.has_filename()) root = root.parent_path();  // a trailing slash
  const fs::path resolved = (fs::absolute(readme.folder) / target).lexically_normal();
  const fs::path relative = resolved.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return std::nullopt;
  return resolved;
}

/// The anchors of a markdown file's headings.
std::set<std::string> anchors_of(const Readme& readme) {
  std::set<std::string> anchors;
  for (const auto& section : readme.sections) {
    if (!section.empty()) anchors.insert(anchor_of(section));
  }
  return anchors;
}

TEST(Readme, CitesOnlyFilesInTheRepositoryAndNoInternalIssues) {
  const std::string root = testing::source_dir();
  const std::vector<Readme> markdown = read_markdown();
  // Paths into the repository's own folders exist (build/ is this build).
  // Paths in the prose are the repository's (commands run from its root);
  // one that starts with `../` is relative to the file's own folder.
  std::set<std::string> tracked;
  for (const auto& entry : fs::directory_iterator(root)) tracked.insert(entry.path().filename().string());
  tracked.erase("build");
  const std::string build = fs::path(testing::attune_binary()).parent_path().string();
  const std::regex path_like(R"((?:^|[\s(`\[])((?:\.\./)*[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.{},<>*-]+)+/?))");
  const std::regex outside(R"((?:^|[\s(`\[])(\.\./[^\s`)#]*))");
  for (const Readme& readme : markdown) {
    for (std::sregex_iterator it(readme.prose.begin(), readme.prose.end(), path_like), end; it != end; ++it) {
      std::string path = (*it)[1];
      while (!path.empty() && std::string(".,;:").find(path.back()) != std::string::npos) path.pop_back();
      const int line = readme.line_of(static_cast<size_t>(it->position(1)));
      if (starts_with(path, "../")) continue;  // below
      const std::string first = path.substr(0, path.find('/'));
      if (path.find_first_of("{}<>*") != std::string::npos || path.find("...") != std::string::npos) continue;
      if (first == "build") {
        EXPECT_TRUE(fs::exists(build + path.substr(5)))
            << Report::where(readme.file, line, path) << ": not in this build";
      } else if (tracked.count(first)) {
        EXPECT_TRUE(fs::exists(root + "/" + path))
            << Report::where(readme.file, line, path) << ": no such file in the repository";
      }
    }
    // Nothing outside the repository (a sibling folder of the developers').
    for (std::sregex_iterator it(readme.prose.begin(), readme.prose.end(), outside), end; it != end; ++it) {
      std::string path = (*it)[1];
      while (!path.empty() && std::string(".,;:").find(path.back()) != std::string::npos) path.pop_back();
      const int line = readme.line_of(static_cast<size_t>(it->position(1)));
      const auto resolved = in_repository(readme, path);
      if (!resolved) {
        ADD_FAILURE() << Report::where(readme.file, line, path) << ": a path outside the repository";
      } else if (path.find_first_of("{}<>*") == std::string::npos && path.find("...") == std::string::npos) {
        EXPECT_TRUE(fs::exists(*resolved)) << Report::where(readme.file, line, path)
                                           << ": no such file in the repository (from " << readme.file << "'s folder)";
      }
    }
  }
  // Every markdown file in the repository: no internal issue numbers, no
  // notes that are not shipped (an UPPERCASE.md that is not there).
  check_markdown("README.md", markdown.front().text, root);
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const auto& entry = *it;
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && (starts_with(name, ".") || starts_with(name, "build"))) {
      it.disable_recursion_pending();  // git's, and build outputs (other projects' READMEs)
      continue;
    }
    if (!entry.is_regular_file() || entry.path().extension() != ".md") continue;
    const std::string file = fs::relative(entry.path(), root).string();
    if (file == "README.md") continue;  // checked above (it may be another version of it)
    check_markdown(file, testing::read_text(entry.path().string()), entry.path().parent_path().string());
  }
}

TEST(Readme, LinksLeadToFilesAndHeadings) {
  // Every relative link of the README and the docs/ pages (images included)
  // leads, from the file's own folder, to a file of the repository; an
  // anchor (`#x`, `page.md#x`) names a heading of the page it leads to.
  const std::vector<Readme> markdown = read_markdown();
  const std::regex link(R"(\]\(([^)\s]+)\))");
  size_t links = 0;
  for (const Readme& readme : markdown) {
    for (std::sregex_iterator it(readme.prose.begin(), readme.prose.end(), link), end; it != end; ++it) {
      const std::string target = (*it)[1];
      const int line = readme.line_of(static_cast<size_t>(it->position(1)));
      if (starts_with(target, "http://") || starts_with(target, "https://") || starts_with(target, "mailto:")) continue;
      ++links;
      const size_t hash = target.find('#');
      const std::string path = target.substr(0, hash),
                        anchor = hash == std::string::npos ? "" : target.substr(hash + 1);
      if (path.empty()) {
        EXPECT_TRUE(anchors_of(readme).count(anchor))
            << Report::where(readme.file, line, target) << ": no such heading in " << readme.file;
        continue;
      }
      const auto resolved = in_repository(readme, path);
      if (!resolved) {
        ADD_FAILURE() << Report::where(readme.file, line, target) << ": leads out of the repository";
        continue;
      }
      if (!fs::exists(*resolved)) {
        ADD_FAILURE() << Report::where(readme.file, line, target) << ": no such file (links start from " << readme.file
                      << "'s folder)";
        continue;
      }
      if (anchor.empty()) continue;
      ASSERT_EQ(resolved->extension(), ".md")
          << Report::where(readme.file, line, target) << ": an anchor into a file that is not markdown";
      const std::string name = resolved->lexically_relative(fs::absolute(testing::source_dir())).string();
      const Readme page = read_readme(resolved->string(), name);
      EXPECT_TRUE(anchors_of(page).count(anchor))
          << Report::where(readme.file, line, target) << ": " << name << " has no heading `#" << anchor << "`";
    }
  }
  EXPECT_GE(links, markdown.size()) << "the links of the README and docs/ were not found";
}

TEST(Readme, LinksEveryDocPage) {
  // The README is the front door: every page of docs/ is linked from it.
  const Readme readme = read_readme(readme_path(), "README.md");
  std::set<std::string> linked;
  const std::regex link(R"(\]\(([^)\s#]+)(#[^)\s]*)?\))");
  for (std::sregex_iterator it(readme.prose.begin(), readme.prose.end(), link), end; it != end; ++it) {
    linked.insert(fs::path((*it)[1].str()).lexically_normal().string());
  }
  const auto pages = doc_pages();
  EXPECT_FALSE(pages.empty()) << "docs/ holds no page";
  for (const auto& page : pages) {
    EXPECT_TRUE(linked.count(page)) << "README.md: does not link to " << page << " (add `[...](" << page
                                    << ")` to its list of documentation)";
  }
}

TEST(Readme, LicenseIsBsd3AndShippedDataKeepTheirOwn) {
  const std::string root = testing::source_dir();
  ASSERT_TRUE(fs::exists(root + "/LICENSE"));
  const std::string license = testing::read_text(root + "/LICENSE");
  EXPECT_NE(license.find("BSD 3-Clause License"), std::string::npos);
  EXPECT_NE(license.find("Copyright (c) 2026, the attune authors"), std::string::npos);
  EXPECT_NE(license.find("Neither the name of the copyright holder"), std::string::npos);
  for (const auto& entry : fs::directory_iterator(root + "/data")) {
    if (!entry.is_directory()) continue;
    const std::string folder = "data/" + entry.path().filename().string() + "/";
    EXPECT_NE(license.find(folder), std::string::npos) << "LICENSE does not name " << folder << "'s own licence";
    ASSERT_TRUE(fs::exists(entry.path() / "README.md")) << folder << " has no README.md";
    std::string readme = testing::read_text((entry.path() / "README.md").string());
    std::transform(readme.begin(), readme.end(), readme.begin(), [](unsigned char c) { return std::tolower(c); });
    EXPECT_TRUE(readme.find("license") != std::string::npos || readme.find("licence") != std::string::npos)
        << folder << "README.md does not say under which licence the data is shipped";
  }
}

}  // namespace readme_test
}  // namespace attune
