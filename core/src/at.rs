//! The AT script model shared by every module family: steps with the exact command, the raw payload sent after
//! the prompt, the response to expect and a timeout. Rendered as a commented text script and as JSON steps that
//! a factory script can drive a serial port from.

use zeroize::Zeroizing;

use crate::json;

/// Raw bytes sent after the module's prompt (`>` or `CONNECT`).
#[derive(Clone)]
pub struct Payload {
    /// File name of the same bytes among the target's artifacts.
    pub file: String,
    /// The exact bytes to send (no NUL, line endings as the family needs).
    pub bytes: Zeroizing<Vec<u8>>,
    /// What the module prints before it reads the payload (`>` or `CONNECT`).
    pub prompt: String,
    /// True when the payload is private key material.
    pub secret: bool,
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Payload({}, {} bytes)", self.file, self.bytes.len())
    }
}

/// One command of a script.
#[derive(Debug, Clone)]
pub struct Step {
    /// The command line without its terminating CR (e.g. `AT+QFUPL="UFS:cacert.pem",1188,100`).
    pub command: String,
    /// Bytes to send after the prompt, when the command uploads data.
    pub payload: Option<Payload>,
    /// Regular expression (Python `re` / JavaScript `RegExp` compatible) the complete response must match.
    pub expect: String,
    /// How long to wait for the response, in milliseconds.
    pub timeout_ms: u32,
    /// Why this step is there; shown as a comment.
    pub comment: String,
    /// An `ERROR` response is acceptable (e.g. deleting a file that is not there).
    pub may_fail: bool,
}

impl Step {
    /// A step expecting `OK` within 5 s.
    pub fn new(command: impl Into<String>, comment: impl Into<String>) -> Step {
        Step {
            command: command.into(),
            payload: None,
            expect: "OK".into(),
            timeout_ms: 5_000,
            comment: comment.into(),
            may_fail: false,
        }
    }
    /// Set the expected response pattern.
    pub fn expect(mut self, pattern: impl Into<String>) -> Step {
        self.expect = pattern.into();
        self
    }
    /// Set the timeout.
    pub fn timeout_ms(mut self, ms: u32) -> Step {
        self.timeout_ms = ms;
        self
    }
    /// Attach a payload sent after `prompt`.
    pub fn payload(
        mut self,
        file: impl Into<String>,
        bytes: &[u8],
        prompt: impl Into<String>,
        secret: bool,
    ) -> Step {
        self.payload = Some(Payload {
            file: file.into(),
            bytes: Zeroizing::new(bytes.to_vec()),
            prompt: prompt.into(),
            secret,
        });
        self
    }
    /// Accept an `ERROR` response.
    pub fn may_fail(mut self) -> Step {
        self.may_fail = true;
        self
    }
}

/// A complete script for one module family and cloud.
#[derive(Debug, Clone)]
pub struct Script {
    /// Title shown at the top (family, cloud, endpoint).
    pub title: String,
    /// Free-text lines shown under the title (parameters used, prerequisites).
    pub preamble: Vec<String>,
    /// The steps in order.
    pub steps: Vec<Step>,
}

impl Script {
    /// A new, empty script.
    pub fn new(title: impl Into<String>) -> Script {
        Script {
            title: title.into(),
            preamble: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// Append a step.
    pub fn push(&mut self, step: Step) {
        self.steps.push(step);
    }

    /// The commented text script: `#` comments, each command on its line, the expected response and payload size
    /// in comments. LF line endings (commands are sent with CR by the terminal or driver).
    pub fn to_text(&self) -> String {
        // Sized up front so the text is never grown by copying: commands can hold a key (nRF91 writes PEM inline),
        // and a grown buffer would leave a partial copy in freed memory.
        let lines = |text: &str| text.len() + 3 * (text.matches('\n').count() + 1);
        let mut capacity = lines(&self.title) + 128;
        capacity += self.preamble.iter().map(|l| lines(l)).sum::<usize>();
        for step in &self.steps {
            capacity += lines(&step.comment) + step.command.len() + step.expect.len() + 128;
            if let Some(p) = &step.payload {
                capacity += p.prompt.len() + p.file.len() + 96;
            }
        }
        let mut out = String::with_capacity(capacity);
        let comment = |out: &mut String, line: &str| {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        };
        comment(&mut out, &self.title);
        for line in &self.preamble {
            comment(&mut out, line);
        }
        out.push_str(
            "# Send each command followed by CR (\\r). Lines starting with # are comments.\n",
        );
        for step in &self.steps {
            out.push('\n');
            for line in step.comment.lines() {
                comment(&mut out, line);
            }
            out.push_str(&step.command);
            out.push('\n');
            if let Some(p) = &step.payload {
                out.push_str("#   after \"");
                out.push_str(&p.prompt);
                out.push_str("\": send the ");
                out.push_str(&p.bytes.len().to_string());
                out.push_str(" bytes of ");
                out.push_str(&p.file);
                out.push_str(" exactly (no extra line break, no NUL)\n");
            }
            out.push_str("#   expect: ");
            out.push_str(&step.expect);
            if step.may_fail {
                out.push_str(" (ERROR is fine here)");
            }
            out.push('\n');
        }
        debug_assert!(out.len() <= capacity, "script text outgrew its estimate");
        out
    }

    /// JSON steps (payloads as base64 and by file name) for a factory script: pretty JSON with two-space indents,
    /// as `serde_json::to_string_pretty` prints it (tested against it). Written directly into a buffer of the
    /// exact size, with payloads base64-encoded in place: no string is escaped twice or grown by copying, so no
    /// partial copy of a key is left behind in freed memory.
    pub fn to_json(&self) -> String {
        let mut size = json::Count(0);
        self.write_json(&mut size);
        let mut out = Vec::with_capacity(size.0);
        self.write_json(&mut out);
        // Only `&str` text, escapes and base64 went in: always UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }

    fn write_json(&self, out: &mut impl json::Sink) {
        out.bytes(b"{\n  \"title\": ");
        json::string(out, &self.title);
        out.bytes(b",\n  \"line_ending\": \"\\r\",\n  \"steps\": ");
        json::array(out, &self.steps, "    ", |out, step| {
            out.bytes(b"{\n      \"command\": ");
            json::string(out, &step.command);
            if let Some(p) = &step.payload {
                out.bytes(b",\n      \"payload_file\": ");
                json::string(out, &p.file);
                out.bytes(b",\n      \"payload_base64\": \"");
                out.base64(&p.bytes);
                out.bytes(b"\",\n      \"payload_length\": ");
                out.bytes(p.bytes.len().to_string().as_bytes());
                out.bytes(b",\n      \"prompt\": ");
                json::string(out, &p.prompt);
            }
            out.bytes(b",\n      \"expect\": ");
            json::string(out, &step.expect);
            out.bytes(b",\n      \"timeout_ms\": ");
            out.bytes(step.timeout_ms.to_string().as_bytes());
            out.bytes(if step.may_fail {
                b",\n      \"may_fail\": true"
            } else {
                b",\n      \"may_fail\": false"
            });
            out.bytes(b",\n      \"comment\": ");
            json::string(out, &step.comment);
            out.bytes(b"\n    }");
        });
        out.bytes(b"\n}\n");
    }

    /// True when any payload holds key material (the files then say so).
    pub fn has_secret(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.payload.as_ref().is_some_and(|p| p.secret))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;

    /// The shape `to_json` writes, serialized by `serde_json` (the reference for its bytes).
    #[derive(Serialize)]
    struct JsonStep<'a> {
        command: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload_file: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload_base64: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload_length: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        prompt: Option<&'a str>,
        expect: &'a str,
        timeout_ms: u32,
        may_fail: bool,
        comment: &'a str,
    }

    #[derive(Serialize)]
    struct JsonScript<'a> {
        title: &'a str,
        line_ending: &'static str,
        steps: Vec<JsonStep<'a>>,
    }

    fn reference(script: &Script) -> String {
        use base64ct::{Base64, Encoding};
        let steps = script
            .steps
            .iter()
            .map(|s| JsonStep {
                command: &s.command,
                payload_file: s.payload.as_ref().map(|p| p.file.as_str()),
                payload_base64: s.payload.as_ref().map(|p| Base64::encode_string(&p.bytes)),
                payload_length: s.payload.as_ref().map(|p| p.bytes.len()),
                prompt: s.payload.as_ref().map(|p| p.prompt.as_str()),
                expect: &s.expect,
                timeout_ms: s.timeout_ms,
                may_fail: s.may_fail,
                comment: &s.comment,
            })
            .collect();
        let json = JsonScript {
            title: &script.title,
            line_ending: "\r",
            steps,
        };
        serde_json::to_string_pretty(&json).unwrap() + "\n"
    }

    #[test]
    fn json_is_serde_json_pretty() {
        let mut script = Script::new("empty");
        assert_eq!(script.to_json(), reference(&script));
        let every_escape: String = (0u8..0x80).map(char::from).chain("é€😀".chars()).collect();
        script.steps.push(Step::new(
            "AT+QFUPL=\"cacert.pem\",1188,60",
            "upload \\ \"the\" root",
        ));
        script.steps.push(
            Step::new(every_escape.clone(), every_escape.clone())
                .expect(every_escape.clone())
                .payload(
                    "a\"b.pem",
                    &[0, 1, 2, 0xff, 0xfe],
                    every_escape.as_str(),
                    true,
                )
                .timeout_ms(u32::MAX)
                .may_fail(),
        );
        script
            .steps
            .push(Step::new("", "").payload("", &[], "", false).timeout_ms(0));
        assert_eq!(script.to_json(), reference(&script));
    }

    proptest! {
        #[test]
        fn json_matches_serde_json_for_any_text(
            texts in proptest::collection::vec(any::<String>(), 5),
            payload in proptest::collection::vec(any::<u8>(), 0..100),
            with_payload: bool,
        ) {
            let mut script = Script::new(texts[0].clone());
            let mut step = Step::new(texts[1].clone(), texts[2].clone()).expect(texts[3].clone());
            if with_payload {
                step = step.payload(texts[4].clone(), &payload, texts[0].clone(), false);
            }
            script.steps.push(step);
            script.steps.push(Step::new(texts[4].clone(), ""));
            prop_assert_eq!(script.to_json(), reference(&script));
        }

        /// Long plain runs with escapes anywhere (the 16-character fast path and its edges).
        #[test]
        fn json_escapes_at_every_position(parts in proptest::collection::vec(
            prop::sample::select(vec!["a", "abcdefghijklmnop", "\"", "\\", "\n", "\u{1}", "\u{1f}", "é", " ", "\u{7f}"]),
            0..40,
        )) {
            let text = parts.concat();
            let mut script = Script::new(text.clone());
            script.steps.push(Step::new(text.clone(), text));
            prop_assert_eq!(script.to_json(), reference(&script));
        }
    }
}
