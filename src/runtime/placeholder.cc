// placeholder, replaced when the layer lands
