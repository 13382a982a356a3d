import java.math.BigInteger;
import java.util.Scanner;

public class BigSum {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        BigInteger s = BigInteger.ZERO;
        for (int i = 0; i < n; i++)
            s = s.add(new BigInteger(in.next()));
        System.out.println(s);
    }
}
