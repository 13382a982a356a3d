import java.util.Scanner;

public class Divisor {
    public static void main(String[] args) {
        long n = new Scanner(System.in).nextLong();
        long found = -1;
        for (long d = 2; d * d <= n; d++)
            if (n % d == 0)
                found = d; // the last one up to the square root
        System.out.println(found);
    }
}
