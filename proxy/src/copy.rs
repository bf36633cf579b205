//! COPY FROM STDIN in PostgreSQL's text, CSV and binary formats, and COPY
//! TO STDOUT in text and CSV.
//! Incoming data is parsed as it streams in and inserted row by row on the
//! writer, so memory stays bounded whatever the size of the load.

use crate::error::PgError;
use crate::exec::{to_sql, Output};
use catalog::schema::Schema;
use catalog::translate::{CopyFormat, CopyPlan};
use catalog::value::{self, FormatOptions, Value};
use pgwire::messages::copy::CopyData;
use rusqlite::Connection;

pub struct CopyIn {
    plan: CopyPlan,
    buf: Vec<u8>,
    rows: usize,
    line: usize,
    ended: bool,
    /// Binary format: the file header was read.
    header_read: bool,
}

/// COPY data is inserted once this much has gathered (and at CopyDone).
const FEED_BYTES: usize = 256 * 1024;

/// The signature that starts PostgreSQL's binary COPY format.
const BINARY_SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// COPY TO output, ready to send.
pub struct CopyOutData {
    pub columns: usize,
    pub chunks: Vec<CopyData>,
}

/// One field of a record: text, or a value in its type's binary format.
#[derive(Debug, PartialEq)]
enum Field {
    Text(String),
    Binary(Vec<u8>),
}

/// One record: the fields, None for NULL.
type Record = Vec<Option<Field>>;

impl From<&str> for Field {
    fn from(s: &str) -> Field {
        Field::Text(s.to_string())
    }
}

impl CopyIn {
    pub fn new(plan: CopyPlan) -> CopyIn {
        CopyIn { plan, buf: Vec::new(), rows: 0, line: 0, ended: false, header_read: false }
    }

    /// Gathers COPY data; true once enough has gathered to be worth
    /// inserting. Clients send a CopyData message per row (pgbench, psql):
    /// taking the writer for each would cost more than the row.
    pub fn buffer(&mut self, data: &[u8]) -> bool {
        self.buf.extend_from_slice(data);
        self.buf.len() >= FEED_BYTES
    }

    /// Inserts the complete records gathered so far.
    pub fn feed(&mut self, conn: &Connection, opts: &FormatOptions, schema: &Schema) -> Result<(), PgError> {
        self.drain(conn, opts, schema, false)
    }

    pub fn finish(&mut self, conn: &Connection, opts: &FormatOptions, schema: &Schema) -> Result<usize, PgError> {
        self.drain(conn, opts, schema, true)?;
        Ok(self.rows)
    }

    fn drain(&mut self, conn: &Connection, opts: &FormatOptions, schema: &Schema, last: bool) -> Result<(), PgError> {
        let mut pos = 0;
        if self.plan.format == CopyFormat::Binary && !self.header_read {
            // Signature, flags, then a header extension of the length given.
            if self.buf.len() < BINARY_SIGNATURE.len() + 8 {
                return if last { Err(PgError::Copy("COPY file signature not recognized".into())) } else { Ok(()) };
            }
            if &self.buf[..BINARY_SIGNATURE.len()] != BINARY_SIGNATURE {
                return Err(PgError::Copy("COPY file signature not recognized".into()));
            }
            let at = BINARY_SIGNATURE.len() + 4;
            let ext = u32::from_be_bytes([self.buf[at], self.buf[at + 1], self.buf[at + 2], self.buf[at + 3]]) as usize;
            if self.buf.len() < at + 4 + ext {
                return if last { Err(PgError::Copy("invalid COPY file header (missing extension)".into())) } else { Ok(()) };
            }
            pos = at + 4 + ext;
            self.header_read = true;
        }
        let mut stmt = conn.prepare_cached(&self.plan.sql).map_err(|e| PgError::from_sqlite(e, Some(schema)))?;
        while !self.ended {
            let Some((record, used)) = next_record(&self.buf[pos..], &self.plan, last)? else { break };
            pos += used;
            self.line += 1;
            let Some(record) = record else {
                self.ended = true;
                break;
            };
            if self.plan.header && self.line == 1 {
                continue;
            }
            if record.len() != self.plan.columns.len() {
                return Err(PgError::Copy(format!(
                    "{} data for column (line {}): expected {} fields, got {}",
                    if record.len() < self.plan.columns.len() { "missing" } else { "extra" },
                    self.line,
                    self.plan.columns.len(),
                    record.len()
                )));
            }
            let mut params = Vec::with_capacity(record.len());
            for (field, col) in record.iter().zip(&self.plan.columns) {
                params.push(match field {
                    None => Value::Null,
                    Some(Field::Text(text)) => value::from_text(&col.ty, text, opts)?,
                    Some(Field::Binary(bytes)) => value::from_binary(&col.ty, bytes, opts)?,
                });
            }
            for (i, p) in params.iter().enumerate() {
                stmt.raw_bind_parameter(i + 1, to_sql(p)).map_err(|e| PgError::from_sqlite(e, Some(schema)))?;
            }
            stmt.raw_execute().map_err(|e| PgError::from_sqlite(e, Some(schema)))?;
            self.rows += 1;
        }
        self.buf.drain(..pos);
        if last && !self.ended && !self.buf.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(PgError::Copy("unexpected end of COPY data".into()));
        }
        Ok(())
    }
}

/// Parses one record from `buf`. Returns the record (None for the `\.` end
/// marker) and the bytes used, or None if the record is not complete yet.
fn next_record(buf: &[u8], plan: &CopyPlan, last: bool) -> Result<Option<(Option<Record>, usize)>, PgError> {
    if buf.is_empty() {
        return Ok(None);
    }
    match plan.format {
        CopyFormat::Csv => csv_record(buf, plan, last),
        CopyFormat::Text => {
            let Some(end) = buf.iter().position(|b| *b == b'\n') else {
                if last {
                    return Ok(Some((text_record(buf, plan)?, buf.len())));
                }
                return Ok(None);
            };
            let mut line = &buf[..end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            Ok(Some((text_record(line, plan)?, end + 1)))
        }
        CopyFormat::Binary => binary_record(buf),
    }
}

/// One tuple of the binary format: a field count (-1 ends the data), then
/// each field's length (-1 for NULL) and bytes. None until it is complete.
fn binary_record(buf: &[u8]) -> Result<Option<(Option<Record>, usize)>, PgError> {
    if buf.len() < 2 {
        return Ok(None);
    }
    let count = i16::from_be_bytes([buf[0], buf[1]]);
    if count == -1 {
        return Ok(Some((None, 2)));
    }
    if count < 0 {
        return Err(PgError::Copy(format!("invalid field count {count} in binary COPY data")));
    }
    let mut at = 2;
    let mut fields = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let Some(len) = buf.get(at..at + 4) else { return Ok(None) };
        let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]);
        at += 4;
        if len == -1 {
            fields.push(None);
            continue;
        }
        if len < 0 {
            return Err(PgError::Copy(format!("invalid field length {len} in binary COPY data")));
        }
        let Some(bytes) = buf.get(at..at + len as usize) else { return Ok(None) };
        fields.push(Some(Field::Binary(bytes.to_vec())));
        at += len as usize;
    }
    Ok(Some((Some(fields), at)))
}

fn text_record(line: &[u8], plan: &CopyPlan) -> Result<Option<Record>, PgError> {
    if line == b"\\." {
        return Ok(None);
    }
    let text = std::str::from_utf8(line).map_err(|_| PgError::Value(value::ValueError::InvalidUtf8))?;
    let mut fields = Vec::new();
    for raw in text.split(plan.delimiter) {
        if raw == plan.null {
            fields.push(None);
            continue;
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('v') => out.push('\u{b}'),
                Some('x') => {
                    let mut hex = String::new();
                    while hex.len() < 2 && chars.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                        hex.push(chars.next().unwrap_or('0'));
                    }
                    out.push(u8::from_str_radix(&hex, 16).map(char::from).unwrap_or('x'));
                }
                Some(d @ '0'..='7') => {
                    let mut oct = d.to_string();
                    while oct.len() < 3 && chars.peek().is_some_and(|c| ('0'..='7').contains(c)) {
                        oct.push(chars.next().unwrap_or('0'));
                    }
                    out.push(u8::from_str_radix(&oct, 8).map(char::from).unwrap_or('0'));
                }
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        fields.push(Some(Field::Text(out)));
    }
    Ok(Some(fields))
}

fn csv_record(buf: &[u8], plan: &CopyPlan, last: bool) -> Result<Option<(Option<Record>, usize)>, PgError> {
    let delim = plan.delimiter as u8;
    let quote = plan.quote as u8;
    let mut fields: Record = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut quoted_field = false;
    let mut in_quotes = false;
    let mut i = 0;
    // The end marker is a line of its own.
    if buf.starts_with(b"\\.\n") || buf == b"\\." || buf.starts_with(b"\\.\r\n") {
        let used = buf.iter().position(|b| *b == b'\n').map(|p| p + 1).unwrap_or(buf.len());
        return Ok(Some((None, used)));
    }
    let finish_field = |cur: &mut Vec<u8>, quoted: bool, fields: &mut Record| -> Result<(), PgError> {
        let s = String::from_utf8(std::mem::take(cur)).map_err(|_| PgError::Value(value::ValueError::InvalidUtf8))?;
        fields.push(if !quoted && s == plan.null { None } else { Some(Field::Text(s)) });
        Ok(())
    };
    while i < buf.len() {
        let b = buf[i];
        if in_quotes {
            if b == quote {
                if buf.get(i + 1) == Some(&quote) {
                    cur.push(quote);
                    i += 2;
                    continue;
                }
                if i + 1 == buf.len() && !last {
                    return Ok(None);
                }
                in_quotes = false;
            } else {
                cur.push(b);
            }
            i += 1;
            continue;
        }
        if b == quote {
            in_quotes = true;
            quoted_field = true;
        } else if b == delim {
            finish_field(&mut cur, quoted_field, &mut fields)?;
            quoted_field = false;
        } else if b == b'\n' {
            if cur.last() == Some(&b'\r') {
                cur.pop();
            }
            finish_field(&mut cur, quoted_field, &mut fields)?;
            return Ok(Some((Some(fields), i + 1)));
        } else {
            cur.push(b);
        }
        i += 1;
    }
    if in_quotes && last {
        return Err(PgError::Copy("unterminated CSV quoted field".into()));
    }
    if last && (!cur.is_empty() || !fields.is_empty() || quoted_field) {
        finish_field(&mut cur, quoted_field, &mut fields)?;
        return Ok(Some((Some(fields), buf.len())));
    }
    Ok(None)
}

/// Splits a text-format DataRow back into its fields.
fn fields_of(data: &[u8]) -> Vec<Option<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= data.len() {
        let len = i32::from_be_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
        i += 4;
        if len < 0 {
            out.push(None);
        } else {
            let end = (i + len as usize).min(data.len());
            out.push(Some(&data[i..end]));
            i = end;
        }
    }
    out
}

pub fn encode_out(plan: &CopyPlan, out: &Output) -> Result<CopyOutData, PgError> {
    let mut chunks = Vec::with_capacity(out.rows.len() + 1);
    let mut line = Vec::with_capacity(128);
    let delim = plan.delimiter as u8;
    if plan.header && plan.format == CopyFormat::Csv {
        let names: Vec<String> = plan.columns.iter().map(|c| csv_field(c.name.as_bytes(), plan)).collect();
        chunks.push(CopyData::new(format!("{}\n", names.join(&plan.delimiter.to_string())).into_bytes().into()));
    }
    for row in &out.rows {
        line.clear();
        for (i, f) in fields_of(&row.data).into_iter().enumerate() {
            if i > 0 {
                line.push(delim);
            }
            match (f, plan.format) {
                (None, _) => line.extend_from_slice(plan.null.as_bytes()),
                (Some(v), CopyFormat::Csv) => line.extend_from_slice(csv_field(v, plan).as_bytes()),
                (Some(v), _) => {
                    for &b in v {
                        match b {
                            b'\\' => line.extend_from_slice(b"\\\\"),
                            b'\n' => line.extend_from_slice(b"\\n"),
                            b'\r' => line.extend_from_slice(b"\\r"),
                            b'\t' if delim != b'\t' => line.push(b'\t'),
                            b'\t' => line.extend_from_slice(b"\\t"),
                            b if b == delim => {
                                line.push(b'\\');
                                line.push(b);
                            }
                            b => line.push(b),
                        }
                    }
                }
            }
        }
        line.push(b'\n');
        chunks.push(CopyData::new(line.clone().into()));
    }
    Ok(CopyOutData { columns: plan.columns.len(), chunks })
}

fn csv_field(v: &[u8], plan: &CopyPlan) -> String {
    let s = String::from_utf8_lossy(v);
    let needs = s.is_empty() || s.contains(plan.delimiter) || s.contains(plan.quote) || s.contains('\n') || s.contains('\r') || s == plan.null;
    if needs {
        let q = plan.quote.to_string();
        format!("{q}{}{q}", s.replace(&q, &format!("{q}{q}")))
    } else {
        s.into_owned()
    }
}

/// COPY FROM data a follower gathers for the leader, at most.
const FORWARDED_COPY_LIMIT: usize = 256 << 20;

/// COPY FROM STDIN as the session receives it.
impl crate::session::Session {
    /// Feeds COPY FROM data.
    pub fn copy_data(&mut self, data: &[u8]) -> Result<(), PgError> {
        if let Some(buf) = self.copy_forward.as_mut() {
            if buf.len() + data.len() > FORWARDED_COPY_LIMIT {
                return Err(PgError::ProgramLimit(format!("COPY FROM through a follower is limited to {} MB; load through the leader", FORWARDED_COPY_LIMIT >> 20)));
            }
            buf.extend_from_slice(data);
            return Ok(());
        }
        let mut copy = self.copy_in.take().ok_or_else(|| PgError::Protocol("no COPY in progress".into()))?;
        let r = if copy.buffer(data) { self.with_writer(|s, conn| s.with_exec_ctx(|s| copy.feed(conn, &s.format(), &s.schema()?.schema))) } else { Ok(()) };
        self.copy_in = Some(copy);
        r
    }

    /// Ends COPY FROM: the remaining rows are inserted; returns the row count.
    pub async fn copy_done(&mut self) -> Result<usize, PgError> {
        if let Some(data) = self.copy_forward.take() {
            self.copy_in = None;
            return self.forward_copy(data).await;
        }
        let mut copy = self.copy_in.take().ok_or_else(|| PgError::Protocol("no COPY in progress".into()))?;
        let r = self.with_writer(|s, conn| s.with_exec_ctx(|s| copy.finish(conn, &s.format(), &s.schema()?.schema)));
        let implicit = self.txn.as_ref().is_some_and(|t| t.implicit);
        match r {
            Ok(n) => {
                if implicit {
                    self.end_txn(true).await?;
                }
                Ok(n)
            }
            Err(e) => {
                if implicit {
                    let _ = self.end_txn(false).await;
                } else if let Some(t) = self.txn.as_mut() {
                    t.failed = true;
                }
                Err(e)
            }
        }
    }

    pub async fn copy_fail(&mut self) {
        self.copy_in = None;
        self.copy_forward = None;
        if self.txn.as_ref().is_some_and(|t| t.implicit) {
            let _ = self.end_txn(false).await;
        } else if let Some(t) = self.txn.as_mut() {
            t.failed = true;
        }
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog::translate::CopyDirection;

    fn plan(format: CopyFormat) -> CopyPlan {
        CopyPlan {
            direction: CopyDirection::In,
            format,
            delimiter: if format == CopyFormat::Csv { ',' } else { '\t' },
            null: if format == CopyFormat::Csv { String::new() } else { "\\N".into() },
            header: false,
            quote: '"',
            sql: String::new(),
            columns: vec![],
        }
    }

    #[test]
    fn binary_format_reads_tuples_nulls_and_the_end_marker() {
        let mut data = Vec::new();
        data.extend_from_slice(&2i16.to_be_bytes());
        data.extend_from_slice(&4i32.to_be_bytes());
        data.extend_from_slice(&7i32.to_be_bytes());
        data.extend_from_slice(&(-1i32).to_be_bytes());
        // Incomplete until the whole tuple is there.
        assert!(binary_record(&data[..7]).unwrap().is_none());
        let (rec, used) = binary_record(&data).unwrap().unwrap();
        assert_eq!(used, data.len());
        assert_eq!(rec.unwrap(), vec![Some(Field::Binary(7i32.to_be_bytes().to_vec())), None]);
        assert!(matches!(binary_record(&(-1i16).to_be_bytes()).unwrap(), Some((None, 2))));
        assert!(binary_record(&(-3i16).to_be_bytes()).is_err());
    }

    #[test]
    fn text_format_unescapes_and_reads_nulls() {
        let p = plan(CopyFormat::Text);
        let (rec, used) = next_record(b"1\ta\\tb\\\\c\t\\N\nrest", &p, false).unwrap().unwrap();
        assert_eq!(rec.unwrap(), vec![Some("1".into()), Some("a\tb\\c".into()), None]);
        assert_eq!(used, 13);
        assert!(next_record(b"partial", &p, false).unwrap().is_none());
        assert!(next_record(b"\\.\n", &p, false).unwrap().unwrap().0.is_none());
    }

    #[test]
    fn csv_handles_quotes_newlines_and_empty_versus_null() {
        let p = plan(CopyFormat::Csv);
        let (rec, _) = next_record(b"1,\"a,\"\"b\"\"\nc\",,\"\"\n", &p, false).unwrap().unwrap();
        assert_eq!(rec.unwrap(), vec![Some("1".into()), Some("a,\"b\"\nc".into()), None, Some("".into())]);
        assert!(next_record(b"1,\"open", &p, false).unwrap().is_none());
    }
}
