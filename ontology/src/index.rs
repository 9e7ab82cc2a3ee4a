//! An R-tree (rstar) over feature geometries, so that "which assets lie in
//! this footprint" looks at the candidates whose bounding boxes meet the
//! footprint's instead of parsing every WKT literal.

use std::collections::HashMap;

use geo::{BoundingRect, Contains, Geometry, Intersects, Point};
use oxigraph::model::{NamedOrBlankNode, Term};
use oxigraph::store::Store;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::functions::{geo_iri, term_geom};
use crate::graph::OntologyError;

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Spatial index of features (and bare geometries) by their WKT geometry.
#[derive(Default)]
pub struct SpatialIndex {
    items: Vec<(NamedOrBlankNode, Geometry<f64>)>,
    by_node: HashMap<NamedOrBlankNode, usize>,
    tree: RTree<Entry>,
}

fn entry(g: &Geometry<f64>, i: usize) -> Option<Entry> {
    let r = g.bounding_rect()?;
    Some(GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        i,
    ))
}

impl SpatialIndex {
    /// Builds the index from every `?f geo:hasDefaultGeometry|geo:hasGeometry ?g .
    /// ?g geo:asWKT ?w` in the store (any graph); the default geometry wins.
    /// Literals that are not valid geometries are skipped.
    pub fn from_store(store: &Store) -> Result<Self, OntologyError> {
        let err = |e: oxigraph::store::StorageError| OntologyError::Evaluation(e.to_string());
        let as_wkt = geo_iri("asWKT");
        let mut items: Vec<(NamedOrBlankNode, Geometry<f64>)> = Vec::new();
        let mut by_node = HashMap::new();
        for link in ["hasDefaultGeometry", "hasGeometry"] {
            let p = geo_iri(link);
            for q in store.quads_for_pattern(None, Some(p.as_ref()), None, None) {
                let q = q.map_err(err)?;
                if by_node.contains_key(&q.subject) {
                    continue;
                }
                let g = match &q.object {
                    Term::NamedNode(n) => NamedOrBlankNode::from(n.clone()),
                    Term::BlankNode(b) => NamedOrBlankNode::from(b.clone()),
                    _ => continue,
                };
                let mut found = None;
                for w in
                    store.quads_for_pattern(Some(g.as_ref()), Some(as_wkt.as_ref()), None, None)
                {
                    if let Some(geom) = term_geom(&w.map_err(err)?.object) {
                        found = Some(geom);
                        break;
                    }
                }
                if let Some(geom) = found
                    && !geom.is_empty()
                {
                    by_node.insert(q.subject.clone(), items.len());
                    items.push((q.subject, geom.geometry));
                }
            }
        }
        let tree = RTree::bulk_load(
            items
                .iter()
                .enumerate()
                .filter_map(|(i, (_, g))| entry(g, i))
                .collect(),
        );
        Ok(SpatialIndex {
            items,
            by_node,
            tree,
        })
    }

    /// Adds or replaces a feature's geometry.
    pub fn insert(&mut self, node: NamedOrBlankNode, geometry: Geometry<f64>) {
        if let Some(&i) = self.by_node.get(&node) {
            if let Some(e) = entry(&self.items[i].1, i) {
                self.tree.remove(&e);
            }
            self.items[i].1 = geometry;
            if let Some(e) = entry(&self.items[i].1, i) {
                self.tree.insert(e);
            }
            return;
        }
        let i = self.items.len();
        if let Some(e) = entry(&geometry, i) {
            self.tree.insert(e);
        }
        self.by_node.insert(node.clone(), i);
        self.items.push((node, geometry));
    }

    /// Number of indexed features.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The feature and geometry of an index entry.
    pub fn get(&self, i: usize) -> Option<(&NamedOrBlankNode, &Geometry<f64>)> {
        self.items.get(i).map(|(n, g)| (n, g))
    }

    /// The geometry of a feature.
    pub fn geometry_of(&self, node: &NamedOrBlankNode) -> Option<&Geometry<f64>> {
        self.by_node.get(node).map(|&i| &self.items[i].1)
    }

    fn candidates(&self, area: &Geometry<f64>) -> impl Iterator<Item = usize> + '_ {
        let env = area
            .bounding_rect()
            .map(|r| AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]));
        env.into_iter()
            .flat_map(move |e| {
                self.tree
                    .locate_in_envelope_intersecting(&e)
                    .collect::<Vec<_>>()
            })
            .map(|e| e.data)
    }

    /// Entries whose geometry lies within `area` (OGC sfWithin: interior
    /// points only, the boundary does not count), in index order.
    pub fn within(&self, area: &Geometry<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .candidates(area)
            .filter(|&i| area.contains(&self.items[i].1))
            .collect();
        v.sort_unstable();
        v
    }

    /// Entries whose geometry intersects `area`, in index order.
    pub fn intersecting(&self, area: &Geometry<f64>) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .candidates(area)
            .filter(|&i| area.intersects(&self.items[i].1))
            .collect();
        v.sort_unstable();
        v
    }

    /// Entries within `metres` of a point (geodesic for points, see
    /// [`crate::functions::distance_metres`]), nearest first.
    pub fn nearby(&self, centre: Point<f64>, metres: f64) -> Vec<(usize, f64)> {
        // A box that surely holds the circle: 1 degree of latitude is at
        // least 110 574 m; longitude degrees shrink with cos(latitude).
        let dlat = metres / 110_574.0;
        let coslat = (centre.y().abs() + dlat).min(89.9).to_radians().cos();
        let dlon = (dlat / coslat).min(360.0);
        let env = AABB::from_corners(
            [centre.x() - dlon, centre.y() - dlat],
            [centre.x() + dlon, centre.y() + dlat],
        );
        let target = Geometry::Point(centre);
        let mut v: Vec<(usize, f64)> = self
            .tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|e| {
                let d = crate::functions::distance_metres(&target, &self.items[e.data].1)?;
                (d <= metres).then_some((e.data, d))
            })
            .collect();
        v.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        v
    }
}
