//! Where a replay reads its timeline from: a vector in memory (embedded recordings, JSON
//! files and flow-sequence timelines), or the recording file itself,
//! read one entry at a time so that a huge timeline never sits in memory at once.
//!
//! Streaming needs the layout `opsdeck record` writes: `timeline:` of a YAML file holds a
//! block sequence (`  - at: …` items); other top-level keys may come before and after it.
//! Everything else (metadata, objects, logs, eks, prometheus…) is parsed up front as usual,
//! with the file's line numbers; the timeline is scanned once
//! at load (validated and counted, one entry at a time) and read again from its first
//! byte whenever the replay starts over (seek).

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::recording::shift::shift_change;
use crate::recording::{
    Change, Recording, RecordingError, TimelineEntry, check_object, parse_offset, yaml_options,
};

/// The timeline a replay plays.
#[derive(Debug, Clone)]
pub(crate) enum TimelineSource {
    Memory(Arc<Vec<TimelineEntry>>),
    File(FileTimeline),
}

/// A timeline left in its file: where it starts, and what the load-time scan counted.
#[derive(Debug, Clone)]
pub struct FileTimeline {
    path: PathBuf,
    origin: String,
    /// Byte offset of the first line after `timeline:`.
    start: u64,
    /// Byte offset of the top-level key after the timeline (`prometheus:`, `eks:` that
    /// `opsdeck record` writes at a clean stop), if any.
    end: Option<u64>,
    /// 1-based line number of that line.
    start_line: usize,
    count: usize,
    duration: Duration,
    /// Seconds added to every timestamp of an entry as it is read (the time shift).
    pub(crate) shift: i64,
}

impl TimelineSource {
    pub(crate) fn len(&self) -> usize {
        match self {
            TimelineSource::Memory(v) => v.len(),
            TimelineSource::File(f) => f.count,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offset of the last entry.
    pub(crate) fn duration(&self) -> Duration {
        match self {
            TimelineSource::Memory(v) => v.last().map(|e| e.at).unwrap_or_default(),
            TimelineSource::File(f) => f.duration,
        }
    }

    /// Whether entries are read from the file as the replay proceeds.
    pub(crate) fn streaming(&self) -> bool {
        matches!(self, TimelineSource::File(_))
    }

    /// A cursor at the first entry.
    pub(crate) fn open(&self) -> Result<Cursor, String> {
        match self {
            TimelineSource::Memory(v) => Ok(Cursor::Memory {
                entries: v.clone(),
                next: 0,
            }),
            TimelineSource::File(f) => {
                let reader = f.reader().map_err(|e| e.to_string())?;
                Ok(Cursor::File {
                    reader: Box::new(reader),
                    shift: f.shift,
                })
            }
        }
    }
}

impl FileTimeline {
    fn reader(&self) -> Result<EntryReader<BufReader<Take<File>>>, RecordingError> {
        let io = |source| RecordingError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(self.start)).map_err(io)?;
        let len = self
            .end
            .map_or(u64::MAX, |end| end.saturating_sub(self.start));
        Ok(EntryReader::new(
            BufReader::new(file.take(len)),
            &self.origin,
            self.start_line,
        ))
    }
}

/// Reads a timeline from its start, one entry at a time.
pub(crate) enum Cursor {
    Memory {
        entries: Arc<Vec<TimelineEntry>>,
        next: usize,
    },
    File {
        reader: Box<EntryReader<BufReader<Take<File>>>>,
        shift: i64,
    },
}

impl Cursor {
    /// The next entry (timestamps shifted), `None` at the end. An entry of a streamed file
    /// that does not parse (the load-time scan checks only offsets) is `Some(Err)`, with
    /// the file and line: the replay logs it and goes on, as for a change that fails.
    pub(crate) fn next_entry(&mut self) -> Option<Result<TimelineEntry, String>> {
        match self {
            Cursor::Memory { entries, next } => {
                let e = entries.get(*next).cloned();
                *next += 1;
                e.map(Ok)
            }
            Cursor::File { reader, shift } => Some(match reader.next()? {
                Ok(mut e) => {
                    shift_change(&mut e.change, *shift);
                    Ok(e)
                }
                Err(e) => Err(e.to_string()),
            }),
        }
    }
}

/// Splits a block sequence into its items and parses each one alone. It holds the text of
/// at most one entry (plus one look-ahead line): never the timeline.
pub(crate) struct EntryReader<R> {
    reader: R,
    origin: String,
    /// Line number of the last line read.
    line_no: usize,
    /// Column of the items' `-`, from the first item.
    indent: Option<usize>,
    /// The text of the entry being collected, and the line it starts on.
    chunk: String,
    chunk_line: usize,
    /// The line read past the end of the previous entry (the next item's first line).
    line: String,
    index: usize,
    last_at: Duration,
    done: bool,
}

impl<R: BufRead> EntryReader<R> {
    /// `first_line`: the file's line number of the reader's first line (for errors).
    pub(crate) fn new(reader: R, origin: &str, first_line: usize) -> Self {
        EntryReader {
            reader,
            origin: origin.to_string(),
            line_no: first_line.saturating_sub(1),
            indent: None,
            chunk: String::new(),
            chunk_line: 0,
            line: String::new(),
            index: 0,
            last_at: Duration::ZERO,
            done: false,
        }
    }

    /// Bytes held for the entry being read (for tests: one entry, not the timeline).
    #[cfg(test)]
    pub(crate) fn held_bytes(&self) -> usize {
        self.chunk.capacity() + self.line.capacity()
    }

    fn error(&self, line: usize, message: String) -> RecordingError {
        RecordingError::Invalid {
            origin: self.origin.clone(),
            location: format!("timeline[{}] (line {line})", self.index),
            message,
        }
    }

    /// Parses the collected chunk as one entry and checks it as `Recording::validate` does.
    fn parse_chunk(&mut self) -> Result<TimelineEntry, RecordingError> {
        let parsed: Result<Vec<TimelineEntry>, _> =
            serde_saphyr::from_str_with_options(&self.chunk, yaml_options(self.chunk.len()));
        let line = self.chunk_line;
        self.chunk.clear();
        let mut entries = parsed.map_err(|e| RecordingError::Parse {
            origin: self.origin.clone(),
            // The parser counts lines from the entry; the message and its excerpt show the
            // file's line numbers.
            message: e.render_with_options(serde_saphyr::render_options! {
                line_offset: line.saturating_sub(1) as u64,
            }),
        })?;
        if entries.len() != 1 {
            return Err(self.error(line, "expected one timeline entry".into()));
        }
        let entry = entries.remove(0);
        if entry.at < self.last_at {
            return Err(self.error(line, "at: offsets must not decrease".into()));
        }
        if let Change::Apply(obj) = &entry.change {
            check_object(obj).map_err(|m| self.error(line, format!("apply: {m}")))?;
        }
        self.last_at = entry.at;
        self.index += 1;
        Ok(entry)
    }
}

impl<R: BufRead> Iterator for EntryReader<R> {
    type Item = Result<TimelineEntry, RecordingError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.next_chunk()? {
            Ok(()) => self.parse_chunk(),
            Err(e) => Err(e),
        })
    }
}

impl<R: BufRead> EntryReader<R> {
    /// The offset of the next entry, the entry parsed and checked as strictly as a whole
    /// file's timeline (unknown fields, misspelt changes, bad objects are errors with the
    /// file's line): what the load-time scan counts is what the replay can apply.
    pub(crate) fn next_offset(&mut self) -> Option<Result<Duration, RecordingError>> {
        if let Err(e) = self.next_chunk()? {
            return Some(Err(e));
        }
        if let Some(at) = self.quick_entry() {
            let line = self.chunk_line;
            self.chunk.clear();
            if at < self.last_at {
                return Some(Err(self.error(line, "at: offsets must not decrease".into())));
            }
            self.last_at = at;
            self.index += 1;
            return Some(Ok(at));
        }
        Some(self.parse_chunk().map(|e| e.at))
    }

    /// The offset of an entry in the layout `opsdeck record` writes (`- at: OFFSET` and one
    /// `KEY: {JSON}` line), checked as strictly as [`Self::parse_chunk`] but with the JSON
    /// parser: the load-time scan of a large file stays fast. `None` for any other layout
    /// or any problem, so that the YAML parse decides and reports it.
    fn quick_entry(&self) -> Option<Duration> {
        let mut lines = self
            .chunk
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        let first = lines.next()?.strip_prefix('-')?.trim_start();
        let at = parse_offset(first.strip_prefix("at:")?.trim()).ok()?;
        let (key, body) = lines.next()?.split_once(": ")?;
        if lines.next().is_some() || !body.starts_with('{') {
            return None;
        }
        if !matches!(key, "apply" | "patch" | "delete" | "log") {
            return None;
        }
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        let mut entry = serde_json::Map::new();
        entry.insert(key.to_string(), value);
        let change: Change = serde_json::from_value(serde_json::Value::Object(entry)).ok()?;
        if let Change::Apply(obj) = &change {
            check_object(obj).ok()?;
        }
        Some(at)
    }

    /// Collects the next entry's lines into `chunk`; `None` at the end.
    fn next_chunk(&mut self) -> Option<Result<(), RecordingError>> {
        if self.done {
            return None;
        }
        loop {
            // The look-ahead line of the previous call, else a new one.
            if self.line.is_empty() {
                match self.reader.read_line(&mut self.line) {
                    Ok(0) => {
                        self.done = true;
                        if self.chunk.trim().is_empty() {
                            return None;
                        }
                        return Some(Ok(()));
                    }
                    Ok(_) => self.line_no += 1,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(self.error(self.line_no + 1, e.to_string())));
                    }
                }
            }
            let text = self.line.trim_end_matches(['\n', '\r']);
            let trimmed = text.trim_start_matches(' ');
            let col = text.len() - trimmed.len();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                // Kept inside an entry (a block scalar may hold such lines).
                if !self.chunk.is_empty() {
                    self.chunk.push_str(text);
                    self.chunk.push('\n');
                }
                self.line.clear();
                continue;
            }
            let item = trimmed == "-" || trimmed.starts_with("- ");
            // `timeline:` then `  []`: what `opsdeck record` writes when nothing changed.
            if self.indent.is_none() && self.chunk.is_empty() && trimmed.trim_end() == "[]" {
                self.done = true;
                self.line.clear();
                return None;
            }
            let indent = match self.indent {
                Some(i) => i,
                None if item => {
                    self.indent = Some(col);
                    col
                }
                None => {
                    self.done = true;
                    let msg = "expected the timeline's entries (`- at: …`)".to_string();
                    return Some(Err(self.error(self.line_no, msg)));
                }
            };
            if col < indent || (col == indent && !item) {
                self.done = true;
                let msg = "unexpected text after the timeline (streaming needs `timeline` to be the last top-level key)".to_string();
                return Some(Err(self.error(self.line_no, msg)));
            }
            if col == indent && item && !self.chunk.is_empty() {
                // The next entry starts: keep its line for the next call.
                return Some(Ok(()));
            }
            if self.chunk.is_empty() {
                self.chunk_line = self.line_no;
            }
            self.chunk.push_str(text);
            self.chunk.push('\n');
            self.line.clear();
        }
    }
}

/// Where the timeline of a recording file is, from one pass over its lines.
#[derive(Debug, PartialEq)]
enum Layout {
    /// `timeline:` with a block sequence; other top-level keys may follow it.
    Last {
        /// Byte offset of the `timeline:` line (the head ends there).
        key_at: u64,
        /// Byte offset and line number of the line after it.
        start: u64,
        start_line: usize,
        /// Byte offset and line number of the first top-level key after the timeline.
        end: Option<(u64, usize)>,
    },
    /// Anything else (JSON, a flow sequence, several documents, no timeline).
    Whole,
}

fn scan_layout(reader: impl BufRead) -> std::io::Result<Layout> {
    let mut reader = reader;
    let mut line = String::new();
    let mut offset = 0u64;
    let mut line_no = 0usize;
    let mut found: Option<Layout> = None;
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 {
            return Ok(found.unwrap_or(Layout::Whole));
        }
        line_no += 1;
        let at = offset;
        offset += n as u64;
        let first = line.chars().next().unwrap_or(' ');
        if line_no == 1 && line.trim_start().starts_with('{') {
            return Ok(Layout::Whole);
        }
        if matches!(first, ' ' | '\t' | '#' | '-' | '\n' | '\r') {
            if first == '-' && line.starts_with("---") && found.is_some() {
                return Ok(Layout::Whole);
            }
            continue;
        }
        // A top-level key (or a document end marker).
        if let Some(Layout::Last { end, .. }) = &mut found {
            if line.starts_with("timeline:") || line.starts_with("...") {
                return Ok(Layout::Whole);
            }
            if end.is_none() {
                *end = Some((at, line_no));
            }
            continue;
        }
        let key = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['"', '\'']);
        if key == "timeline" {
            let value = line
                .split_once(':')
                .map(|(_, v)| v.split(" #").next().unwrap_or("").trim())
                .unwrap_or("");
            if !value.is_empty() {
                return Ok(Layout::Whole);
            }
            found = Some(Layout::Last {
                key_at: at,
                start: offset,
                start_line: line_no + 1,
                end: None,
            });
        }
    }
}

/// Reads a recording file: everything but the timeline at once, and the timeline as a
/// [`FileTimeline`] when the layout allows it (validated and counted here, one entry at a
/// time). Otherwise the whole file is read as [`Recording::load`] does and the timeline is
/// in the returned recording.
pub(crate) fn load_file(path: &Path) -> Result<(Recording, Option<FileTimeline>), RecordingError> {
    let io = |source| RecordingError::Io {
        path: path.to_path_buf(),
        source,
    };
    let origin = path.display().to_string();
    let layout = scan_layout(BufReader::new(File::open(path).map_err(io)?)).map_err(io)?;
    let Layout::Last {
        key_at,
        start,
        start_line,
        end,
    } = layout
    else {
        return Ok((Recording::load(path)?, None));
    };
    let mut head = String::new();
    File::open(path)
        .map_err(io)?
        .take(key_at)
        .read_to_string(&mut head)
        .map_err(io)?;
    // Sections after the timeline join the head; blank lines stand in for the timeline's
    // so that errors keep the file's line numbers.
    if let Some((end_at, end_line)) = end {
        head.push_str(&"\n".repeat(end_line.saturating_sub(start_line - 1)));
        let mut file = File::open(path).map_err(io)?;
        file.seek(SeekFrom::Start(end_at)).map_err(io)?;
        file.read_to_string(&mut head).map_err(io)?;
    }
    let rec = Recording::parse(&head, &origin)?;
    drop(head);
    let mut timeline = FileTimeline {
        path: path.to_path_buf(),
        origin,
        start,
        end: end.map(|(at, _)| at),
        start_line,
        count: 0,
        duration: Duration::ZERO,
        shift: 0,
    };
    let mut reader = timeline.reader()?;
    while let Some(at) = reader.next_offset() {
        timeline.count += 1;
        timeline.duration = at?;
    }
    Ok((rec, Some(timeline)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor as IoCursor;

    const HEAD: &str = "apiVersion: opsdeck.dev/v1\nkind: Recording\nmetadata:\n  name: t\n  kubernetesVersion: v1.31.0\nobjects:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: demo}}\n";

    fn entry(i: usize) -> String {
        format!(
            "  - at: {i}s\n    note: entry {i}\n    # a comment\n    apply:\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {{name: c{i}, namespace: demo}}\n      data: {{k: \"{i}\"}}\n\n"
        )
    }

    #[test]
    fn finds_a_last_block_timeline() {
        let text = format!("{HEAD}timeline:\n{}", entry(1));
        let layout = scan_layout(IoCursor::new(text.as_bytes())).expect("scan");
        assert_eq!(
            layout,
            Layout::Last {
                key_at: HEAD.len() as u64,
                start: HEAD.len() as u64 + 10,
                start_line: 9,
                end: None,
            }
        );
        // Sections written after the timeline (`opsdeck record`'s prometheus, eks).
        let text = format!("{HEAD}timeline:\n{}logs: []\n", entry(1));
        let layout = scan_layout(IoCursor::new(text.as_bytes())).expect("scan");
        let end_at = (text.len() - "logs: []\n".len()) as u64;
        assert!(
            matches!(layout, Layout::Last { end: Some((at, 18)), .. } if at == end_at),
            "{layout:?}"
        );
        for whole in [
            format!("{HEAD}timeline:\n{}timeline:\n{}", entry(1), entry(2)),
            format!("{HEAD}timeline: []\n"),
            format!("{HEAD}logs: []\n"),
            "{\"apiVersion\": \"opsdeck.dev/v1\", \"timeline\": []}\n".to_string(),
        ] {
            assert_eq!(
                scan_layout(IoCursor::new(whole.as_bytes())).expect("scan"),
                Layout::Whole,
                "{whole}"
            );
        }
    }

    #[test]
    fn reads_entries_one_at_a_time_holding_one() {
        let body: String = (0..2000).map(entry).collect();
        let one = entry(1999).len();
        let mut reader = EntryReader::new(IoCursor::new(body.as_bytes()), "t.yaml", 9);
        let mut n = 0;
        let mut most = 0;
        while let Some(e) = reader.next() {
            let e = e.expect("entry parses");
            assert_eq!(e.at, Duration::from_secs(n));
            assert_eq!(e.note.as_deref(), Some(format!("entry {n}").as_str()));
            most = most.max(reader.held_bytes());
            n += 1;
        }
        assert_eq!(n, 2000);
        // One entry (and its look-ahead line) at most, whatever the timeline's length.
        assert!(most <= 4 * one, "held {most} bytes for entries of {one}");
        assert!(most * 100 < body.len());
    }

    #[test]
    fn entries_before_a_bad_one_are_read_lazily() {
        let body = format!(
            "{}{}  - at: 3s\n    colour: red\n    delete: {{apiVersion: v1, kind: Pod, name: x}}\n{}",
            entry(1),
            entry(2),
            entry(4)
        );
        let mut reader = EntryReader::new(IoCursor::new(body.as_bytes()), "t.yaml", 100);
        assert!(reader.next().expect("first").is_ok());
        assert!(reader.next().expect("second").is_ok());
        let err = reader.next().expect("third").expect_err("bad").to_string();
        assert!(err.contains("t.yaml"), "{err}");
        assert!(err.contains("colour"), "{err}");
        // Entries start at file line 100; the bad one at 100 + 2 × 9.
        assert!(err.contains("line 11"), "{err}");
    }

    #[test]
    fn decreasing_offsets_and_trailing_keys_are_errors() {
        let body = format!("{}{}", entry(5), entry(2));
        let errs: Vec<_> = EntryReader::new(IoCursor::new(body.as_bytes()), "t.yaml", 1)
            .filter_map(Result::err)
            .map(|e| e.to_string())
            .collect();
        assert!(errs[0].contains("timeline[1]"), "{errs:?}");
        assert!(errs[0].contains("must not decrease"), "{errs:?}");
        let body = format!("{}logs: []\n", entry(1));
        let errs: Vec<_> = EntryReader::new(IoCursor::new(body.as_bytes()), "t.yaml", 1)
            .filter_map(Result::err)
            .map(|e| e.to_string())
            .collect();
        assert!(errs[0].contains("last top-level key"), "{errs:?}");
    }

    #[test]
    fn load_file_streams_and_counts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.yaml");
        let body: String = (0..50).map(entry).collect();
        std::fs::write(&path, format!("{HEAD}timeline:\n{body}")).expect("write");
        let (rec, file) = load_file(&path).expect("loads");
        assert_eq!(rec.objects.len(), 1);
        assert!(rec.timeline.is_empty());
        let source = TimelineSource::File(file.expect("streamed"));
        assert!(source.streaming());
        assert_eq!(source.len(), 50);
        assert_eq!(source.duration(), Duration::from_secs(49));
        let mut cursor = source.open().expect("opens");
        let mut n = 0;
        while let Some(e) = cursor.next_entry() {
            assert!(e.is_ok());
            n += 1;
        }
        assert_eq!(n, 50);
        // Sections after the timeline are read with the head; the timeline still streams,
        // and an error in such a section names its real line.
        let logs = "logs:\n  - {namespace: demo, pod: p, container: c, lines: [hello]}\n";
        std::fs::write(&path, format!("{HEAD}timeline:\n{body}{logs}")).expect("write");
        let (rec, file) = load_file(&path).expect("loads");
        assert_eq!(rec.logs.len(), 1);
        let source = TimelineSource::File(file.expect("streamed"));
        assert_eq!(source.len(), 50);
        let mut cursor = source.open().expect("opens");
        let mut n = 0;
        while let Some(e) = cursor.next_entry() {
            assert!(e.is_ok(), "{e:?}");
            n += 1;
        }
        assert_eq!(n, 50);
        // An empty timeline as `opsdeck record` writes it, with a section after it.
        std::fs::write(&path, format!("{HEAD}timeline:\n  []\n{logs}")).expect("write");
        let (rec, file) = load_file(&path).expect("an empty timeline loads");
        assert_eq!(rec.logs.len(), 1);
        assert_eq!(TimelineSource::File(file.expect("streamed")).len(), 0);
        std::fs::write(
            &path,
            format!("{HEAD}timeline:\n{body}logs:\n  - {{nope: 1}}\n"),
        )
        .expect("write");
        let err = load_file(&path).expect_err("bad logs").to_string();
        let line = HEAD.lines().count() + 1 + body.lines().count() + 2;
        assert!(
            err.contains(&format!("line {line}")),
            "{err} (expected line {line})"
        );
        // Decreasing offsets are reported at load, with the line.
        std::fs::write(&path, format!("{HEAD}timeline:\n{}{}", entry(3), entry(1))).expect("write");
        let err = load_file(&path).expect_err("bad").to_string();
        assert!(err.contains("must not decrease"), "{err}");
        assert!(err.contains("line 18"), "{err}");
        // A malformed entry (an unknown field, a misspelt change) is refused at load, as in
        // a flow-style timeline, with the file's line (not the entry's).
        for (bad, says) in [
            (
                "  - at: 2s\n    colour: red\n    delete: {apiVersion: v1, kind: Pod, name: x}\n",
                "colour",
            ),
            (
                "  - at: 2s\n    note: typo\n    delet: {apiVersion: v1, kind: Pod, name: x}\n",
                "delet",
            ),
            (
                "  - at: 2s\n    delete: {apiVersion: v1, kind: Pod, name: x, colour: red}\n",
                "colour",
            ),
            // As `opsdeck record` writes entries (one JSON line), read by the fast path.
            (
                "  - at: 2s\n    delete: {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"x\",\"colour\":\"red\"}\n",
                "colour",
            ),
            (
                "  - at: 2s\n    delet: {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"x\"}\n",
                "delet",
            ),
            (
                "  - at: 2s\n    apply: {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{}}\n",
                "metadata.name",
            ),
        ] {
            std::fs::write(
                &path,
                format!("{HEAD}timeline:\n{}{bad}{}", entry(1), entry(3)),
            )
            .expect("write");
            let err = load_file(&path).expect_err(bad).to_string();
            assert!(err.contains(says) && err.contains("r.yaml"), "{err}");
            // HEAD is 7 lines, `timeline:` line 8, entry(1) lines 9-17: the bad one is at 18.
            assert!(err.contains("line 18") || err.contains("line 19"), "{err}");
            assert!(
                !err.contains("line 1,") && !err.contains("line 2,"),
                "{err}"
            );
            let whole = Recording::parse(
                &format!("{HEAD}timeline:\n{}{bad}{}", entry(1), entry(3)),
                "r.yaml",
            );
            assert!(whole.is_err(), "the whole-file parse refuses it too");
        }
        // Record's layout, valid: counted by the fast path.
        let good = "  - at: 2s\n    delete: {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"namespace\":\"demo\",\"name\":\"x\"}\n  - at: 3s\n    apply: {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"namespace\":\"demo\"}}\n";
        std::fs::write(&path, format!("{HEAD}timeline:\n{}{good}", entry(1))).expect("write");
        let (_, file) = load_file(&path).expect("record's layout loads");
        assert_eq!(TimelineSource::File(file.expect("streamed")).len(), 3);
    }
}
