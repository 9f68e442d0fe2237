"""The procedures tile's staff screens (ADR 0023): per department that owns procedures
(市民課 `citizens`, こども課 `children`, 高齢介護福祉課 `care`) a review screen (the
department's submissions, their fields, attachments and history, and the status moves) and
the 書かない窓口 counter (scan a resident's handoff code, check the identity document, print
the official form as a PDF, complete). `wiring.STAFF_SCREENS` lists them for the tile's
`FeatureSpec`."""
