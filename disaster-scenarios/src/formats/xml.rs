//! A minimal XML tree built with quick-xml, enough for QuakeML and ShakeMap.

use quick_xml::events::Event;

use crate::error::{HazardError, Result};

/// An element: local name, attributes, text and children.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// Local name (namespace prefix removed).
    pub name: String,
    /// Attributes (local names).
    pub attrs: Vec<(String, String)>,
    /// Concatenated text content.
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

impl Node {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Follows a path of child names.
    pub fn path(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for p in path {
            n = n.child(p)?;
        }
        Some(n)
    }

    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn line_of(text: &str, pos: u64) -> u64 {
    let pos = (pos as usize).min(text.len());
    text.as_bytes()[..pos]
        .iter()
        .filter(|b| **b == b'\n')
        .count() as u64
        + 1
}

fn make_node(
    e: &quick_xml::events::BytesStart<'_>,
    text: &str,
    name: &str,
    pos: u64,
) -> Result<Node> {
    let local = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| {
            HazardError::parse(name, line_of(text, pos), local.clone(), err.to_string())
        })?;
        let k = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let v = a
            .unescape_value()
            .map_err(|err| {
                HazardError::parse(name, line_of(text, pos), k.clone(), err.to_string())
            })?
            .into_owned();
        attrs.push((k, v));
    }
    Ok(Node {
        name: local,
        attrs,
        ..Node::default()
    })
}

/// Parses `text` into a tree; errors name `name` and the line.
pub fn parse(text: &str, name: &str) -> Result<Node> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let pos = reader.buffer_position();
        let ev = reader.read_event().map_err(|e| {
            HazardError::parse(
                name,
                line_of(text, reader.error_position()),
                "(xml)",
                e.to_string(),
            )
        })?;
        match ev {
            Event::Start(e) => stack.push(make_node(&e, text, name, pos)?),
            Event::Empty(e) => {
                let n = make_node(&e, text, name, pos)?;
                if let Some(top) = stack.last_mut() {
                    top.children.push(n);
                }
            }
            Event::End(_) => {
                let n = stack.pop().unwrap_or_default();
                match stack.last_mut() {
                    Some(top) => top.children.push(n),
                    None => {
                        return Err(HazardError::parse(
                            name,
                            line_of(text, pos),
                            "(xml)",
                            "unbalanced end tag",
                        ));
                    }
                }
            }
            Event::Text(t) => {
                let s = t.xml_content().map_err(|e| {
                    HazardError::parse(name, line_of(text, pos), "(text)", e.to_string())
                })?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(HazardError::parse(
            name,
            line_of(text, text.len() as u64),
            "(xml)",
            "unclosed element",
        ));
    }
    Ok(stack.pop().unwrap_or_default())
}
