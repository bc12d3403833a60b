package otp

// Cost is what verification v of application a costs: the price of the
// messages sent for it so far once a provider has accepted one, and
// before that the price of its first message as the price table quotes it
// for the verification's channel and country, so that an API answering a
// send can tell the cost at once. A test application's messages go to its
// test inbox and cost nothing. The zero Money means no price is known:
// no price table, or none for that channel and country.
func (s *Service) Cost(a *Application, v *Verification) Money {
	if a.Environment == Test {
		return Money{}
	}
	if !v.Cost.IsZero() || s.prices == nil {
		return v.Cost
	}
	if price, ok := s.prices.Price(v.Channel, v.Country); ok {
		return price
	}
	return Money{}
}
