"""Daily rollups of the joint KPIs and the shared targets."""
