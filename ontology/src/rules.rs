//! Rules, run to a fixpoint into the inferred named graph
//! ([`crate::vocab::inferred_graph`]), which [`refresh`] clears and
//! recomputes:
//!
//! - **feeds**: transitive closure of `bs:feeds`;
//! - **AtRisk**: an asset whose geometry lies within an active
//!   (`bs:isActive true`) `bs:HazardFootprint` and whose `bs:damageProbability`
//!   is at least the footprint's `bs:damageProbabilityThreshold` (default 0;
//!   an asset without a probability counts as at risk) gets
//!   `a bs:AtRisk ; bs:atRiskFrom <footprint>`;
//! - **WithoutPower**: an element is powered when it is neither damaged
//!   (`bs:isDamaged true`) nor dark (`bs:isEnergised false`) and either has no
//!   feeder or is fed by a powered element (least fixpoint from the sources);
//!   anything served (`bs:servedBy`: loads and facilities) only by unpowered
//!   elements, and any critical facility or hospital that is itself damaged
//!   or dark, is `a bs:WithoutPower`;
//! - **region roll-ups**: for each `bs:Region` with a geometry, the number of
//!   at-risk assets within it or linked by `bs:inRegion`, their summed
//!   `bs:demandKw`, and the number of facilities without power;
//! - **RDFS**: subclass and subproperty entailment (rdfs5, rdfs7, rdfs9,
//!   rdfs11) over the schema triples in the store, last, so inferred classes
//!   such as `bs:AtRisk` get their superclasses too.

use std::collections::{HashMap, HashSet, VecDeque};

use geo::Geometry;
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedOrBlankNode, QuadRef, Term};
use oxigraph::store::Store;

use crate::functions::term_geom;
use crate::graph::{Entailment, KnowledgeGraph, OntologyError};
use crate::index::SpatialIndex;
use crate::vocab::{self, bs, rdf_type};

fn err(e: impl std::fmt::Display) -> OntologyError {
    OntologyError::Evaluation(e.to_string())
}

/// What a refresh inferred.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleStats {
    /// `bs:feeds` triples added by transitivity.
    pub feeds: usize,
    /// Assets found at risk (distinct).
    pub at_risk: usize,
    /// Facilities without power.
    pub without_power: usize,
    /// Regions given roll-up values.
    pub regions: usize,
    /// Triples added by RDFS entailment.
    pub rdfs: usize,
    /// All inferred triples.
    pub total: usize,
}

/// Collects inferred quads, skipping those already asserted or collected.
///
/// Predicates and objects repeat across thousands of conclusions (`a
/// bs:AtRisk`, `a geo:Feature`), so they are interned once and each
/// collected quad holds only its subject and two indices: this keeps the
/// collection to one allocation per quad instead of four.
struct Sink<'a> {
    store: &'a Store,
    graph: NamedNode,
    preds: Vec<NamedNode>,
    pred_ids: HashMap<NamedNode, u32>,
    objs: Vec<Term>,
    obj_ids: HashMap<Term, u32>,
    seen: HashSet<(NamedOrBlankNode, u32, u32)>,
    out: Vec<(NamedOrBlankNode, u32, u32)>,
}

impl<'a> Sink<'a> {
    fn new(store: &'a Store) -> Self {
        Sink {
            store,
            graph: vocab::inferred_graph(),
            preds: Vec::new(),
            pred_ids: HashMap::new(),
            objs: Vec::new(),
            obj_ids: HashMap::new(),
            seen: HashSet::new(),
            out: Vec::new(),
        }
    }
    fn pred(&mut self, p: NamedNode) -> u32 {
        if let Some(&i) = self.pred_ids.get(&p) {
            return i;
        }
        let i = self.preds.len() as u32;
        self.preds.push(p.clone());
        self.pred_ids.insert(p, i);
        i
    }
    fn obj(&mut self, o: Term) -> u32 {
        if let Some(&i) = self.obj_ids.get(&o) {
            return i;
        }
        let i = self.objs.len() as u32;
        self.objs.push(o.clone());
        self.obj_ids.insert(o, i);
        i
    }
    fn add(
        &mut self,
        s: NamedOrBlankNode,
        p: NamedNode,
        o: impl Into<Term>,
    ) -> Result<bool, OntologyError> {
        let (p, o) = (self.pred(p), self.obj(o.into()));
        self.add_ids(s, p, o)
    }
    /// [`Sink::add`] with an interned predicate and object.
    fn add_ids(&mut self, s: NamedOrBlankNode, p: u32, o: u32) -> Result<bool, OntologyError> {
        let asserted = self
            .store
            .contains(QuadRef::new(
                &s,
                &self.preds[p as usize],
                &self.objs[o as usize],
                GraphNameRef::DefaultGraph,
            ))
            .map_err(err)?;
        if asserted {
            return Ok(false);
        }
        let q = (s, p, o);
        if self.seen.contains(&q) {
            return Ok(false);
        }
        self.seen.insert(q.clone());
        self.out.push(q);
        Ok(true)
    }
    /// Adds a quad the caller knows to be new (not asserted, not collected).
    fn push_new(&mut self, s: NamedOrBlankNode, p: u32, o: u32) {
        self.out.push((s, p, o));
    }
    /// The quad of a collected entry.
    fn quad_ref<'b>(&'b self, (s, p, o): &'b (NamedOrBlankNode, u32, u32)) -> QuadRef<'b> {
        QuadRef::new(
            s,
            &self.preds[*p as usize],
            &self.objs[*o as usize],
            GraphNameRef::NamedNode(self.graph.as_ref()),
        )
    }
    /// Whether the default graph asserts any `(?, p, o)` (o optional).
    fn asserts_any(&self, p: &NamedNode, o: Option<&Term>) -> Result<bool, OntologyError> {
        match self
            .store
            .quads_for_pattern(
                None,
                Some(p.as_ref()),
                o.map(Term::as_ref),
                Some(GraphNameRef::DefaultGraph),
            )
            .next()
        {
            Some(r) => r.map(|_| true).map_err(err),
            None => Ok(false),
        }
    }
    fn flush(&mut self) -> Result<(), OntologyError> {
        let batch = std::mem::take(&mut self.out);
        // One transaction inserting borrowed quads (no per-quad conversion).
        let mut tx = self.store.start_transaction().map_err(err)?;
        for q in &batch {
            tx.insert(self.quad_ref(q));
        }
        tx.commit().map_err(err)
    }
}

fn subject(t: &Term) -> Option<NamedOrBlankNode> {
    match t {
        Term::NamedNode(n) => Some(n.clone().into()),
        Term::BlankNode(b) => Some(b.clone().into()),
        _ => None,
    }
}

fn objects(store: &Store, s: &NamedOrBlankNode, p: &NamedNode) -> Result<Vec<Term>, OntologyError> {
    store
        .quads_for_pattern(Some(s.as_ref()), Some(p.as_ref()), None, None)
        .map(|q| q.map(|q| q.object).map_err(err))
        .collect()
}

fn bool_of(
    store: &Store,
    s: &NamedOrBlankNode,
    p: &NamedNode,
) -> Result<Option<bool>, OntologyError> {
    Ok(objects(store, s, p)?.into_iter().find_map(|t| match t {
        Term::Literal(l) => match l.value() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }))
}

fn f64_of(
    store: &Store,
    s: &NamedOrBlankNode,
    p: &NamedNode,
) -> Result<Option<f64>, OntologyError> {
    Ok(objects(store, s, p)?.into_iter().find_map(|t| match t {
        Term::Literal(l) => l.value().trim().parse::<f64>().ok(),
        _ => None,
    }))
}

fn subjects_of_type(
    store: &Store,
    class: &NamedNode,
) -> Result<Vec<NamedOrBlankNode>, OntologyError> {
    let t = rdf_type();
    let mut v: Vec<NamedOrBlankNode> = store
        .quads_for_pattern(None, Some(t.as_ref()), Some(class.as_ref().into()), None)
        .map(|q| q.map(|q| q.subject).map_err(err))
        .collect::<Result<_, _>>()?;
    v.sort_by_key(|n| n.to_string());
    v.dedup();
    Ok(v)
}

/// Clears the inferred graph and recomputes every rule. The spatial index is
/// rebuilt from the store.
pub fn refresh(kg: &KnowledgeGraph, entailment: Entailment) -> Result<RuleStats, OntologyError> {
    let index = SpatialIndex::from_store(kg.store())?;
    refresh_with_index(kg, &index, entailment)
}

/// [`refresh`] with an index the caller keeps up to date.
pub fn refresh_with_index(
    kg: &KnowledgeGraph,
    index: &SpatialIndex,
    entailment: Entailment,
) -> Result<RuleStats, OntologyError> {
    kg.clear_inferred()?;
    let store = kg.store();
    let mut stats = RuleStats {
        feeds: feeds_closure(store)?,
        ..RuleStats::default()
    };
    let mut at_risk_all: HashSet<NamedOrBlankNode> = HashSet::new();
    for fp in subjects_of_type(store, &bs("HazardFootprint"))? {
        for a in at_risk_for_footprint(kg, index, &fp)? {
            at_risk_all.insert(a);
        }
    }
    stats.at_risk = at_risk_all.len();
    let dark = without_power(store)?;
    stats.without_power = dark.len();
    stats.regions = region_rollups(store, index, &at_risk_all, &dark)?;
    if entailment == Entailment::Rdfs {
        stats.rdfs = rdfs(store)?;
    }
    stats.total = store
        .quads_for_pattern(
            None,
            None,
            None,
            Some(vocab::inferred_graph().as_ref().into()),
        )
        .count();
    Ok(stats)
}

/// Transitive closure of `bs:feeds`. Returns the number of added triples.
pub fn feeds_closure(store: &Store) -> Result<usize, OntologyError> {
    let feeds = bs("feeds");
    let mut adj: HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>> = HashMap::new();
    for q in store.quads_for_pattern(
        None,
        Some(feeds.as_ref()),
        None,
        Some(GraphNameRef::DefaultGraph),
    ) {
        let q = q.map_err(err)?;
        if let Some(o) = subject(&q.object) {
            adj.entry(q.subject).or_default().push(o);
        }
    }
    let mut sink = Sink::new(store);
    let mut n = 0;
    for start in adj.keys() {
        let mut seen: HashSet<&NamedOrBlankNode> = HashSet::new();
        let mut queue: VecDeque<&NamedOrBlankNode> = adj[start].iter().collect();
        while let Some(x) = queue.pop_front() {
            if !seen.insert(x) {
                continue;
            }
            if sink.add(start.clone(), feeds.clone(), x.clone())? {
                n += 1;
            }
            if let Some(next) = adj.get(x) {
                queue.extend(next.iter());
            }
        }
    }
    sink.flush()?;
    Ok(n)
}

/// The AtRisk rule for one footprint: finds the indexed features within it
/// (if it is active) and writes `a bs:AtRisk ; bs:atRiskFrom <footprint>` for
/// those at or above the threshold. Returns the assets at risk.
pub fn at_risk_for_footprint(
    kg: &KnowledgeGraph,
    index: &SpatialIndex,
    footprint: &NamedOrBlankNode,
) -> Result<Vec<NamedOrBlankNode>, OntologyError> {
    let store = kg.store();
    if bool_of(store, footprint, &bs("isActive"))? != Some(true) {
        return Ok(vec![]);
    }
    let area: Geometry<f64> = match index.geometry_of(footprint) {
        Some(g) => g.clone(),
        None => {
            let wkt = crate::functions::geo_iri("asWKT");
            match objects(store, footprint, &wkt)?.iter().find_map(term_geom) {
                Some(g) => g.geometry,
                None => return Ok(vec![]),
            }
        }
    };
    let threshold = f64_of(store, footprint, &bs("damageProbabilityThreshold"))?.unwrap_or(0.0);
    let prob = bs("damageProbability");
    let mut sink = Sink::new(store);
    let (at_risk, from, ty) = (bs("AtRisk"), bs("atRiskFrom"), rdf_type());
    let mut hits: Vec<&NamedOrBlankNode> = Vec::new();
    for i in index.within(&area) {
        let Some((node, _)) = index.get(i) else {
            continue;
        };
        if node == footprint {
            continue;
        }
        let p = if threshold > 0.0 {
            f64_of(store, node, &prob)?.unwrap_or(1.0)
        } else {
            1.0
        };
        if p >= threshold {
            hits.push(node);
        }
    }
    // The index yields each feature once, so the quads are new unless the
    // default graph asserts such triples itself (then check each one).
    let check = sink.asserts_any(&ty, Some(&Term::from(at_risk.clone())))?
        || sink.asserts_any(&from, None)?;
    if check {
        let (ty_id, at_risk_id) = (sink.pred(ty), sink.obj(at_risk.into()));
        let (from_id, fp_id) = (sink.pred(from), sink.obj(footprint.clone().into()));
        for node in &hits {
            sink.add_ids((*node).clone(), ty_id, at_risk_id)?;
            sink.add_ids((*node).clone(), from_id, fp_id)?;
        }
        sink.flush()?;
    } else {
        // Straight from the index into one transaction: no owned quads.
        let graph = vocab::inferred_graph();
        let g = GraphNameRef::NamedNode(graph.as_ref());
        let (at_risk, fp) = (Term::from(at_risk), Term::from(footprint.clone()));
        let mut tx = store.start_transaction().map_err(err)?;
        for node in &hits {
            tx.insert(QuadRef::new(*node, &ty, &at_risk, g));
            tx.insert(QuadRef::new(*node, &from, &fp, g));
        }
        tx.commit().map_err(err)?;
    }
    Ok(hits.into_iter().cloned().collect())
}

/// The assets the AtRisk rule puts at risk from one footprint (nothing is
/// written), in index order.
pub fn at_risk_candidates(
    kg: &KnowledgeGraph,
    index: &SpatialIndex,
    footprint: &NamedOrBlankNode,
) -> Result<Vec<NamedOrBlankNode>, OntologyError> {
    let store = kg.store();
    if bool_of(store, footprint, &bs("isActive"))? != Some(true) {
        return Ok(vec![]);
    }
    let Some(area) = index.geometry_of(footprint) else {
        return Ok(vec![]);
    };
    let threshold = f64_of(store, footprint, &bs("damageProbabilityThreshold"))?.unwrap_or(0.0);
    let prob = bs("damageProbability");
    let mut out = Vec::new();
    for i in index.within(area) {
        let Some((node, _)) = index.get(i) else {
            continue;
        };
        if node == footprint {
            continue;
        }
        let p = if threshold > 0.0 {
            f64_of(store, node, &prob)?.unwrap_or(1.0)
        } else {
            1.0
        };
        if p >= threshold {
            out.push(node.clone());
        }
    }
    Ok(out)
}

/// Incremental AtRisk for one footprint after it (or the assets) changed:
/// only the difference from the conclusions already in the inferred graph
/// is written (`bs:atRiskFrom` added or removed; `a bs:AtRisk` removed when
/// no footprint is left). The footprint's geometry is read from the index,
/// which the caller keeps up to date. Returns (added, removed) assets.
pub fn update_at_risk(
    kg: &KnowledgeGraph,
    index: &SpatialIndex,
    footprint: &NamedOrBlankNode,
) -> Result<(usize, usize), OntologyError> {
    let store = kg.store();
    let graph = vocab::inferred_graph();
    let gref = GraphNameRef::NamedNode(graph.as_ref());
    let (ty, at_risk, from) = (rdf_type(), bs("AtRisk"), bs("atRiskFrom"));
    let fp_term = Term::from(footprint.clone());
    let new: HashSet<NamedOrBlankNode> = at_risk_candidates(kg, index, footprint)?
        .into_iter()
        .collect();
    let old: HashSet<NamedOrBlankNode> = store
        .quads_for_pattern(
            None,
            Some(from.as_ref()),
            Some(fp_term.as_ref()),
            Some(gref),
        )
        .map(|q| q.map(|q| q.subject).map_err(err))
        .collect::<Result<_, _>>()?;
    let mut added: Vec<&NamedOrBlankNode> = new.difference(&old).collect();
    let mut removed: Vec<&NamedOrBlankNode> = old.difference(&new).collect();
    added.sort_by_cached_key(|n| n.to_string());
    removed.sort_by_cached_key(|n| n.to_string());
    let mut sink = Sink::new(store);
    for a in &added {
        sink.add((*a).clone(), ty.clone(), at_risk.clone())?;
        sink.add((*a).clone(), from.clone(), footprint.clone())?;
    }
    sink.flush()?;
    let at_risk_term = Term::from(at_risk.clone());
    for r in &removed {
        store
            .remove(QuadRef::new(*r, &from, &fp_term, gref))
            .map_err(err)?;
        let still = store
            .quads_for_pattern(Some(r.as_ref()), Some(from.as_ref()), None, Some(gref))
            .next()
            .is_some();
        if !still {
            store
                .remove(QuadRef::new(*r, &ty, &at_risk_term, gref))
                .map_err(err)?;
        }
    }
    Ok((added.len(), removed.len()))
}

/// The WithoutPower rule (see the module docs). Returns the facilities
/// without power, sorted.
pub fn without_power(store: &Store) -> Result<HashSet<NamedOrBlankNode>, OntologyError> {
    let (feeds, served_by) = (bs("feeds"), bs("servedBy"));
    let (damaged_p, energised_p) = (bs("isDamaged"), bs("isEnergised"));
    let ok = |n: &NamedOrBlankNode| -> Result<bool, OntologyError> {
        Ok(bool_of(store, n, &damaged_p)? != Some(true)
            && bool_of(store, n, &energised_p)? != Some(false))
    };
    let mut adj: HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>> = HashMap::new();
    let mut has_feeder: HashSet<NamedOrBlankNode> = HashSet::new();
    for q in store.quads_for_pattern(
        None,
        Some(feeds.as_ref()),
        None,
        Some(GraphNameRef::DefaultGraph),
    ) {
        let q = q.map_err(err)?;
        if let Some(o) = subject(&q.object) {
            has_feeder.insert(o.clone());
            adj.entry(q.subject).or_default().push(o);
        }
    }
    // Least fixpoint of "powered": BFS from intact sources through intact elements.
    let mut powered: HashSet<NamedOrBlankNode> = HashSet::new();
    let mut queue: VecDeque<NamedOrBlankNode> = VecDeque::new();
    for n in adj.keys() {
        if !has_feeder.contains(n) && ok(n)? {
            powered.insert(n.clone());
            queue.push_back(n.clone());
        }
    }
    while let Some(n) = queue.pop_front() {
        for m in adj.get(&n).into_iter().flatten() {
            if !powered.contains(m) && ok(m)? {
                powered.insert(m.clone());
                queue.push_back(m.clone());
            }
        }
    }
    let mut served: HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>> = HashMap::new();
    for q in store.quads_for_pattern(
        None,
        Some(served_by.as_ref()),
        None,
        Some(GraphNameRef::DefaultGraph),
    ) {
        let q = q.map_err(err)?;
        if let Some(o) = subject(&q.object) {
            served.entry(q.subject).or_default().push(o);
        }
    }
    let mut facilities: Vec<NamedOrBlankNode> = served.keys().cloned().collect();
    facilities.extend(subjects_of_type(store, &bs("CriticalFacility"))?);
    facilities.extend(subjects_of_type(
        store,
        &NamedNode::new_unchecked("https://schema.org/Hospital"),
    )?);
    facilities.sort_by_cached_key(|n| n.to_string());
    facilities.dedup();
    let mut dark = HashSet::new();
    for f in facilities {
        let feeders = served.get(&f).map(Vec::as_slice).unwrap_or(&[]);
        let mut any_powered = feeders.is_empty();
        for s in feeders {
            // An element outside the feeds graph is its own source.
            let p = if adj.contains_key(s) || has_feeder.contains(s) {
                powered.contains(s)
            } else {
                ok(s)?
            };
            any_powered |= p;
        }
        if !any_powered || !ok(&f)? {
            dark.insert(f);
        }
    }
    let mut sink = Sink::new(store);
    for f in &dark {
        sink.add(f.clone(), rdf_type(), bs("WithoutPower"))?;
    }
    sink.flush()?;
    Ok(dark)
}

/// Region roll-ups. Returns the number of regions written.
fn region_rollups(
    store: &Store,
    index: &SpatialIndex,
    at_risk: &HashSet<NamedOrBlankNode>,
    dark: &HashSet<NamedOrBlankNode>,
) -> Result<usize, OntologyError> {
    let regions = subjects_of_type(store, &bs("Region"))?;
    if regions.is_empty() {
        return Ok(0);
    }
    let in_region = bs("inRegion");
    let mut linked: HashMap<NamedOrBlankNode, HashSet<NamedOrBlankNode>> = HashMap::new();
    for q in store.quads_for_pattern(
        None,
        Some(in_region.as_ref()),
        None,
        Some(GraphNameRef::DefaultGraph),
    ) {
        let q = q.map_err(err)?;
        if let Some(r) = subject(&q.object) {
            linked.entry(r).or_default().insert(q.subject);
        }
    }
    let demand = bs("demandKw");
    let mut sink = Sink::new(store);
    for r in &regions {
        let mut members: HashSet<NamedOrBlankNode> = linked.remove(r).unwrap_or_default();
        if let Some(area) = index.geometry_of(r) {
            for i in index.within(area) {
                if let Some((n, _)) = index.get(i) {
                    members.insert(n.clone());
                }
            }
        }
        let mut count = 0i64;
        let mut kw = 0.0;
        let mut facilities = 0i64;
        // Sorted so that the float sum is the same on every run.
        let mut members: Vec<NamedOrBlankNode> = members.into_iter().collect();
        members.sort_by_cached_key(|n| n.to_string());
        for m in &members {
            if at_risk.contains(m) {
                count += 1;
                kw += f64_of(store, m, &demand)?.unwrap_or(0.0);
            }
            if dark.contains(m) {
                facilities += 1;
            }
        }
        sink.add(r.clone(), bs("atRiskAssetCount"), Literal::from(count))?;
        sink.add(r.clone(), bs("atRiskDemandKw"), Literal::from(kw))?;
        sink.add(
            r.clone(),
            bs("facilitiesWithoutPower"),
            Literal::from(facilities),
        )?;
    }
    sink.flush()?;
    Ok(regions.len())
}

fn closure(
    edges: &HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>>,
    from: &NamedOrBlankNode,
) -> Vec<NamedOrBlankNode> {
    let mut seen: HashSet<NamedOrBlankNode> = HashSet::new();
    let mut stack: Vec<&NamedOrBlankNode> = edges.get(from).into_iter().flatten().collect();
    while let Some(x) = stack.pop() {
        if x != from && seen.insert(x.clone()) {
            stack.extend(edges.get(x).into_iter().flatten());
        }
    }
    let mut v: Vec<NamedOrBlankNode> = seen.into_iter().collect();
    v.sort_by_cached_key(|n| n.to_string());
    v
}

/// RDFS subclass / subproperty entailment to a fixpoint. Returns the number
/// of added triples.
pub fn rdfs(store: &Store) -> Result<usize, OntologyError> {
    let (sc, sp, ty) = (vocab::sub_class_of(), vocab::sub_property_of(), rdf_type());
    let mut total = 0;
    loop {
        let mut sink = Sink::new(store);
        let edges = |p: &NamedNode| -> Result<HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>>, OntologyError> {
            let mut m: HashMap<NamedOrBlankNode, Vec<NamedOrBlankNode>> = HashMap::new();
            for q in store.quads_for_pattern(None, Some(p.as_ref()), None, None) {
                let q = q.map_err(err)?;
                if let Some(o) = subject(&q.object) {
                    m.entry(q.subject).or_default().push(o);
                }
            }
            Ok(m)
        };
        let classes = edges(&sc)?;
        let props = edges(&sp)?;
        // rdfs11 / rdfs5: transitivity.
        for (c, _) in classes.iter() {
            for d in closure(&classes, c) {
                sink.add(c.clone(), sc.clone(), d)?;
            }
        }
        for (p, _) in props.iter() {
            for q in closure(&props, p) {
                sink.add(p.clone(), sp.clone(), q)?;
            }
        }
        // rdfs9: types. Candidates are gathered per subject (a subject with
        // two classes sharing a superclass gets it once); the default graph
        // is checked only for superclasses that someone is asserted to have
        // (a quad already in the inferred graph is not inserted twice).
        let ty_id = sink.pred(ty.clone());
        let mut candidates: HashMap<NamedOrBlankNode, Vec<u32>> = HashMap::new();
        for c in classes.keys() {
            let supers: Vec<u32> = closure(&classes, c)
                .into_iter()
                .map(|d| sink.obj(d.into()))
                .collect();
            if supers.is_empty() {
                continue;
            }
            for q in store.quads_for_pattern(None, Some(ty.as_ref()), Some(c.as_ref().into()), None)
            {
                let x = q.map_err(err)?.subject;
                let v = candidates.entry(x).or_default();
                for d in &supers {
                    if !v.contains(d) {
                        v.push(*d);
                    }
                }
            }
        }
        let mut asserted_class: HashMap<u32, bool> = HashMap::new();
        for (x, supers) in candidates {
            for d in supers {
                let check = match asserted_class.get(&d) {
                    Some(b) => *b,
                    None => {
                        let b = sink.asserts_any(&ty, Some(&sink.objs[d as usize]))?;
                        asserted_class.insert(d, b);
                        b
                    }
                };
                if check
                    && store
                        .contains(QuadRef::new(
                            &x,
                            &ty,
                            &sink.objs[d as usize],
                            GraphNameRef::DefaultGraph,
                        ))
                        .map_err(err)?
                {
                    continue;
                }
                sink.push_new(x.clone(), ty_id, d);
            }
        }
        // rdfs7: properties.
        for (p, _) in props.iter() {
            let NamedOrBlankNode::NamedNode(pn) = p else {
                continue;
            };
            let supers: Vec<NamedNode> = closure(&props, p)
                .into_iter()
                .filter_map(|q| match q {
                    NamedOrBlankNode::NamedNode(n) => Some(n),
                    NamedOrBlankNode::BlankNode(_) => None,
                })
                .collect();
            let uses: Vec<(NamedOrBlankNode, Term)> = store
                .quads_for_pattern(None, Some(pn.as_ref()), None, None)
                .map(|q| q.map(|q| (q.subject, q.object)).map_err(err))
                .collect::<Result<_, _>>()?;
            for (s, o) in uses {
                for q in &supers {
                    sink.add(s.clone(), q.clone(), o.clone())?;
                }
            }
        }
        // Another pass can only find more when rdfs7 can produce schema
        // triples (a property declared a subproperty of rdfs:subClassOf or
        // rdfs:subPropertyOf); otherwise one pass over the closed hierarchies
        // is complete.
        let schema_derivable = props
            .values()
            .flatten()
            .any(|q| matches!(q, NamedOrBlankNode::NamedNode(n) if *n == sc || *n == sp));
        if schema_derivable {
            // Count only what is new, to detect the fixpoint (inserting a
            // quad that is already there changes nothing).
            let graph = vocab::inferred_graph();
            let out = std::mem::take(&mut sink.out);
            sink.out = out
                .into_iter()
                .filter(|q| {
                    let r = sink.quad_ref(q);
                    !store
                        .contains(QuadRef::new(
                            r.subject,
                            r.predicate,
                            r.object,
                            graph.as_ref(),
                        ))
                        .unwrap_or(false)
                })
                .collect();
        }
        let n = sink.out.len();
        sink.flush()?;
        total += n;
        if n == 0 || !schema_derivable {
            return Ok(total);
        }
    }
}
