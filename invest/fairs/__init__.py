"""Investment fairs: programme, pitches, pledge cards, the live board and the follow-up."""
