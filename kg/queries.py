"""Example Cypher a researcher can start from: what `medkg run` prints at its end (tested on both
stores, as are the longer examples of docs/queries.md)."""

TOP_CAUSES = (
    "MATCH (c:Entity)-[r:CAUSES]->(d:Entity) "
    "RETURN c.name AS chemical, d.name AS disease, r.evidence_count AS evidence, r.pmids AS pmids "
    "ORDER BY evidence DESC, chemical, disease LIMIT 10"
)

EXAMPLE_QUERIES = {
    "diseases mentioned in the most articles": (
        "MATCH (a:Article)-[:MENTIONS]->(e:Entity) WHERE e.category = 'biolink:Disease' "
        "RETURN e.name AS disease, e.curie AS curie, count(a) AS articles "
        "ORDER BY articles DESC, disease, curie LIMIT 5"
    ),
    "chemicals mentioned in the most articles": (
        "MATCH (a:Article)-[:MENTIONS]->(e:Entity) WHERE e.category = 'biolink:ChemicalEntity' "
        "RETURN e.name AS chemical, e.curie AS curie, count(a) AS articles "
        "ORDER BY articles DESC, chemical, curie LIMIT 5"
    ),
    "genes with the most disease associations": (
        "MATCH (g:Entity)-[r:ASSOCIATED_WITH|POSITIVELY_CORRELATED_WITH|NEGATIVELY_CORRELATED_WITH]-(d:Entity) "
        "WHERE g.category = 'biolink:Gene' AND d.category = 'biolink:Disease' "
        "RETURN g.name AS gene, g.curie AS curie, count(DISTINCT d) AS diseases, sum(r.evidence_count) AS evidence "
        "ORDER BY diseases DESC, evidence DESC, gene, curie LIMIT 5"
    ),
    "the sentences behind the strongest chemical -> disease evidence": (
        "MATCH (a:Article)-[:HAS_EVIDENCE]->(v:Evidence) WHERE v.predicate = 'biolink:causes' "
        "RETURN a.pmid AS pmid, v.score AS score, v.sentence AS sentence ORDER BY score DESC, pmid LIMIT 3"
    ),
    "the phenotypes HPO annotates to the most diseases": (
        "MATCH (d:Entity)-[:HAS_PHENOTYPE]->(p:Entity) "
        "RETURN p.name AS phenotype, p.curie AS curie, count(d) AS diseases "
        "ORDER BY diseases DESC, phenotype, curie LIMIT 5"
    ),
}
