-- Issue 13, defect 6: a PO line whose SKU no product has is refused on its own line (with the reason
-- "no product with SKU …") instead of refusing the whole PO, so such a line names no product.
ALTER TABLE order_lines ALTER COLUMN product_id DROP NOT NULL;
ALTER TABLE order_lines ADD CONSTRAINT order_lines_priced_product CHECK (product_id IS NOT NULL OR basis IS NULL);
