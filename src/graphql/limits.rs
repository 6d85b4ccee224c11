//! Document limits (SPEC §4), checked on the parsed document before validation and
//! execution, with GraphQL Armor's counting:
//!
//! * **depth** counts every field level, leaves included (`{ me { id } }` is 2);
//!   fragments add no level of their own;
//! * **complexity** costs 1 per field of the operation with fragments expanded (a
//!   fragment used twice costs twice), computed with memoisation so a fragment bomb
//!   cannot make the analysis itself expensive;
//! * **aliases** and **directives** are counted over the whole document as written.
//!
//! Where introspection is enabled, an operation whose root fields are only
//! `__schema`/`__type`/`__typename` is exempt from depth and complexity, so the
//! playground can load the schema. The exemption is decided by the root fields, never by
//! an operation or fragment name (GraphQL Armor's 2025 bypass advisory). Where
//! introspection is disabled, any `__schema`/`__type` field refuses the document.
//!
//! These checks replace async-graphql's `limit_depth`/`limit_complexity`, which count
//! differently and cannot exempt introspection; they also run without registering a
//! schema extension, which would add a cost to every resolved field.

use std::collections::HashMap;

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

use crate::config::GraphqlLimits;

/// Why a document was refused (the message names the limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitViolation(pub String);

#[derive(Clone, Copy, Default)]
struct Cost {
    depth: usize,
    complexity: usize,
}

struct Analyzer<'a> {
    fragments: &'a HashMap<async_graphql::Name, async_graphql::Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, Cost>,
    /// Fragments on the current expansion path (cycles are refused by validation
    /// later; here they only must not recurse forever).
    visiting: Vec<&'a str>,
}

impl<'a> Analyzer<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Cost {
        let mut total = Cost::default();
        for item in &set.items {
            let cost = match &item.node {
                Selection::Field(field) => {
                    let inner = self.selection_set(&field.node.selection_set.node);
                    Cost {
                        depth: inner.depth + 1,
                        complexity: inner.complexity.saturating_add(1),
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.selection_set(&fragment.node.selection_set.node)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
            };
            total.depth = total.depth.max(cost.depth);
            total.complexity = total.complexity.saturating_add(cost.complexity);
        }
        total
    }

    fn fragment(&mut self, name: &'a str) -> Cost {
        if let Some(cost) = self.memo.get(name) {
            return *cost;
        }
        if self.visiting.contains(&name) {
            return Cost::default();
        }
        let Some(def) = self.fragments.get(name) else {
            return Cost::default();
        };
        self.visiting.push(name);
        let cost = self.selection_set(&def.node.selection_set.node);
        self.visiting.pop();
        self.memo.insert(name, cost);
        cost
    }

    /// Root field names of an operation, looking through root-level fragments.
    fn root_fields(&self, set: &'a SelectionSet, out: &mut Vec<&'a str>, seen: &mut Vec<&'a str>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => out.push(field.node.name.node.as_str()),
                Selection::InlineFragment(fragment) => {
                    self.root_fields(&fragment.node.selection_set.node, out, seen);
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if seen.contains(&name) {
                        continue;
                    }
                    seen.push(name);
                    if let Some(def) = self.fragments.get(name) {
                        self.root_fields(&def.node.selection_set.node, out, seen);
                    }
                }
            }
        }
    }
}

fn is_introspection_field(name: &str) -> bool {
    matches!(name, "__schema" | "__type")
}

/// Counts aliases and directives over the whole document, and whether any
/// `__schema`/`__type` field appears anywhere.
#[derive(Default)]
struct DocumentCounts {
    aliases: usize,
    directives: usize,
    introspection: bool,
}

impl DocumentCounts {
    fn selection_set(&mut self, set: &SelectionSet) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        self.aliases += 1;
                    }
                    if is_introspection_field(field.node.name.node.as_str()) {
                        self.introspection = true;
                    }
                    self.directives += field.node.directives.len();
                    self.selection_set(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    self.directives += fragment.node.directives.len();
                    self.selection_set(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives += spread.node.directives.len();
                }
            }
        }
    }

    fn operation(&mut self, op: &OperationDefinition) {
        self.directives += op.directives.len();
        self.directives += op
            .variable_definitions
            .iter()
            .map(|v| v.node.directives.len())
            .sum::<usize>();
        self.selection_set(&op.selection_set.node);
    }
}

/// Checks `doc` against `limits`. `introspection_enabled` decides whether
/// introspection-only operations are exempt (enabled) or introspection is refused.
pub fn check(
    doc: &ExecutableDocument,
    limits: &GraphqlLimits,
    introspection_enabled: bool,
) -> Result<(), LimitViolation> {
    let mut counts = DocumentCounts::default();
    for (_, op) in doc.operations.iter() {
        counts.operation(&op.node);
    }
    for def in doc.fragments.values() {
        counts.directives += def.node.directives.len();
        counts.selection_set(&def.node.selection_set.node);
    }
    if counts.introspection && !introspection_enabled {
        return Err(LimitViolation(
            "GraphQL introspection is not allowed, but the query contained __schema or __type"
                .to_owned(),
        ));
    }
    if counts.aliases > limits.max_aliases {
        return Err(LimitViolation(format!(
            "Alias limit exceeded: the document uses {} aliases, the maximum is {}",
            counts.aliases, limits.max_aliases
        )));
    }
    if counts.directives > limits.max_directives {
        return Err(LimitViolation(format!(
            "Directive limit exceeded: the document uses {} directives, the maximum is {}",
            counts.directives, limits.max_directives
        )));
    }

    let mut analyzer = Analyzer {
        fragments: &doc.fragments,
        memo: HashMap::new(),
        visiting: Vec::new(),
    };
    for (_, op) in doc.operations.iter() {
        let set = &op.node.selection_set.node;
        if introspection_enabled {
            let mut roots = Vec::new();
            analyzer.root_fields(set, &mut roots, &mut Vec::new());
            let introspection_only = !roots.is_empty()
                && roots
                    .iter()
                    .all(|f| is_introspection_field(f) || *f == "__typename")
                && roots.iter().any(|f| is_introspection_field(f));
            if introspection_only {
                continue;
            }
        }
        let cost = analyzer.selection_set(set);
        if cost.depth > limits.max_depth {
            return Err(LimitViolation(format!(
                "Query depth limit exceeded: the query is {} levels deep, the maximum depth is {}",
                cost.depth, limits.max_depth
            )));
        }
        if cost.complexity > limits.max_complexity {
            return Err(LimitViolation(format!(
                "Query complexity limit exceeded: the query costs {}, the maximum complexity is {}",
                cost.complexity, limits.max_complexity
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> GraphqlLimits {
        GraphqlLimits {
            max_depth: 3,
            max_complexity: 6,
            max_aliases: 2,
            max_directives: 2,
            max_document_chars: 15_000,
            max_body_bytes: 1 << 20,
            batching: false,
            max_batch: 10,
        }
    }

    fn run(query: &str, introspection: bool) -> Result<(), LimitViolation> {
        let doc = async_graphql::parser::parse_query(query).expect("parses");
        check(&doc, &limits(), introspection)
    }

    #[test]
    fn depth_counts_leaves() {
        assert!(run("{ a { b { c } } }", true).is_ok());
        let err = run("{ a { b { c { d } } } }", true).unwrap_err();
        assert!(err.0.contains("depth"), "{}", err.0);
    }

    #[test]
    fn fragments_are_expanded_for_depth_and_complexity() {
        let err = run(
            "query { a { ...F } } fragment F on T { b { c { d } } }",
            true,
        )
        .unwrap_err();
        assert!(err.0.contains("depth"));
        let err = run("{ a { ...F ...F } } fragment F on T { x y z }", true).unwrap_err();
        assert!(err.0.contains("complexity"), "{}", err.0);
    }

    #[test]
    fn aliases_and_directives_are_counted_over_the_document() {
        assert!(run("{ x: a y: a }", true).is_ok());
        assert!(
            run("{ x: a y: a z: a }", true)
                .unwrap_err()
                .0
                .contains("Alias")
        );
        let err = run(
            "{ a @skip(if: false) b @include(if: true) c @skip(if: false) }",
            true,
        )
        .unwrap_err();
        assert!(err.0.contains("Directive"));
    }

    #[test]
    fn introspection_is_exempt_only_by_root_fields() {
        let deep = "{ __schema { types { fields { type { ofType { name } } } } } }";
        assert!(run(deep, true).is_ok());
        // An operation *named* like introspection gains nothing.
        let named = "query IntrospectionQuery { a { b { c { d } } } }";
        assert!(run(named, true).is_err());
        // Mixing a real field in removes the exemption.
        let mixed = "{ __schema { types { fields { type { name } } } } a }";
        assert!(run(mixed, true).is_err());
    }

    #[test]
    fn introspection_is_refused_when_disabled() {
        let err = run("{ __type(name: \"User\") { name } }", false).unwrap_err();
        assert!(err.0.contains("introspection"));
        assert!(run("{ __typename }", false).is_ok());
    }

    #[test]
    fn fragment_cycles_do_not_hang() {
        assert!(
            run(
                "{ ...A } fragment A on Q { ...B } fragment B on Q { ...A }",
                true
            )
            .is_ok()
        );
    }
}
