package loyalty

import "testing"

func TestLooksNotFoundNamesTheAddressedRecord(t *testing.T) {
	for _, c := range []struct {
		info, subject string
		want          bool
	}{
		{"Клиент не найден", "customer", true},
		{"Customer not found", "customer", true},
		{"Запись не найдена", "customer", true},
		{"not found", "card", true},
		{"Карта не найдена", "card", true},
		{"Клиент не найден", "card", false}, // the card's customer_id
		{"Карта не найдена", "customer", false},
		{"Группа не найдена", "customer", false},
		{"Тип карты не найден", "card", false},
		{"Неверный apikey", "customer", false},
	} {
		if got := looksNotFound(c.info, c.subject); got != c.want {
			t.Errorf("looksNotFound(%q, %q) = %v, want %v", c.info, c.subject, got, c.want)
		}
	}
}
