//! The AT script model shared by every module family: steps with the exact command, the raw payload sent after
//! the prompt, the response to expect and a timeout. Rendered as a commented text script and as JSON steps that
//! a factory script can drive a serial port from.

use serde::Serialize;
use zeroize::Zeroizing;

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
        let mut out = String::new();
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
        out
    }

    /// JSON steps (payloads as base64 and by file name) for a factory script.
    pub fn to_json(&self) -> String {
        let steps = self
            .steps
            .iter()
            .map(|s| JsonStep {
                command: &s.command,
                payload_file: s.payload.as_ref().map(|p| p.file.as_str()),
                payload_base64: s.payload.as_ref().map(|p| crate::base64::encode(&p.bytes)),
                payload_length: s.payload.as_ref().map(|p| p.bytes.len()),
                prompt: s.payload.as_ref().map(|p| p.prompt.as_str()),
                expect: &s.expect,
                timeout_ms: s.timeout_ms,
                may_fail: s.may_fail,
                comment: &s.comment,
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&JsonScript {
            title: &self.title,
            line_ending: "\r",
            steps,
        })
        .unwrap_or_else(|_| "{}".into());
        text.push('\n');
        text
    }

    /// True when any payload holds key material (the files then say so).
    pub fn has_secret(&self) -> bool {
        self.steps
            .iter()
            .any(|s| s.payload.as_ref().is_some_and(|p| p.secret))
    }
}
