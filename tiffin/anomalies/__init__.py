"""Abnormal orders (异常订单): detect, re-dispatch, tell the customer, make it good."""
