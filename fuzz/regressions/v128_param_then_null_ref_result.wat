;; A reference result is read from the slot a v128 argument filled: the runtime took the
;; argument's upper half left in the slot for a non-null reference ("a reference the store
;; does not know"). Found by diff seed 1035.
(module
  (func (export "") (param v128) (result externref)
    ref.null extern))
