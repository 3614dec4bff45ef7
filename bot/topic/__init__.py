"""What the talk is about, in the customers' terms: a belief over the corpus's themes
(its labels), built from each message's nearest quotes by meaning. `meeting.policy`
reads it to choose between speaking, raising a hand and staying silent; `search`
then finds the best quotes inside the chosen theme."""
