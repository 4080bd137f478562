"""Aligning marketing and sales: the reverse-funnel plan, the agreement, the weekly digest."""
