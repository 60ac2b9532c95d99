from edps import classification_rule

# Raw frames are told apart by their DPR TYPE, the static catalogue by its PRO CATG.
bias_class = classification_rule('BIAS', {'dpr.type': 'BIAS'})
flat_class = classification_rule('FLAT', {'dpr.type': 'FLAT'})
science_class = classification_rule('OBJECT', {'dpr.type': 'OBJECT'})
sky_class = classification_rule('SKY', {'dpr.type': 'SKY'})
catalog_class = classification_rule('CATALOG', {'pro.catg': 'CATALOG'})
